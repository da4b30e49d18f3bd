-- A note (credit or debit) may carry the client's idempotency key, as a sale does: a retried
-- return or annulment returns the first note instead of issuing a second one.
ALTER TABLE comprobantes ADD COLUMN clave_idempotencia TEXT;
CREATE UNIQUE INDEX comprobantes_clave ON comprobantes (empresa_id, clave_idempotencia)
    WHERE clave_idempotencia IS NOT NULL;
