-- wrk: the product list, first page of 20, by the admin's token.
dofile(os.getenv("ERP_CARGA_DATOS"))
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. token

local fallos = 0
response = function(status, headers, body)
  if status ~= 200 then
    fallos = fallos + 1
    if fallos <= 3 then io.stderr:write("respuesta " .. status .. ": " .. body .. "\n") end
  end
end
