-- wrk: POS sales of 3 lines (random products, "clientes varios", boleta) by the admin's token,
-- each at a random till (its own boleta series) when there are several.
dofile(os.getenv("ERP_CARGA_DATOS"))
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token

request = function()
  local items = {}
  for i = 1, 3 do
    items[i] = string.format('{"codigo": "%s", "cantidad": "1"}', codigos[math.random(#codigos)])
  end
  local serie = series[math.random(#series)]
  return wrk.format(nil, nil, nil,
    '{"serie": "' .. serie .. '", "items": [' .. table.concat(items, ", ") .. ']}')
end

local fallos = 0
response = function(status, headers, body)
  if status ~= 201 then
    fallos = fallos + 1
    if fallos <= 3 then io.stderr:write("respuesta " .. status .. ": " .. body .. "\n") end
  end
end
