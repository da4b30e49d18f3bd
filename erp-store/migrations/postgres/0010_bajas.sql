-- A comunicación de baja of an accepted comprobante travels in the same outbox as its emission:
-- what was asked (reason, when), SUNAT's ticket and answer, as JSON ('null': never asked).
ALTER TABLE comprobantes ADD COLUMN envio_baja TEXT NOT NULL DEFAULT 'null';
