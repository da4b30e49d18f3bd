-- The ledger by cursor orders by (fecha_us, secuencia, id): rows of different chains can share
-- an instant and a sequence, and the id breaks the tie (GET /inventario/movimientos/).
DROP INDEX movimientos_fecha;
CREATE INDEX movimientos_fecha ON movimientos_stock (empresa_id, fecha_us, secuencia, id);
