-- The e-invoicing outbox on the comprobante itself: the sale's unit of work stores it with its
-- first send due, so the entry exists exactly when the comprobante does. A worker claims a due
-- one for a while (a lease); a claim that finds an earlier lease marks it uncertain (the earlier
-- request may have arrived), and the next attempt consults before it sends. Every request and
-- answer is a row of logs_envio (the contract's log_envio_nubefact), kept forever.

ALTER TABLE comprobantes ADD COLUMN envio_programado_us INTEGER;
ALTER TABLE comprobantes ADD COLUMN envio_reclamado_hasta_us INTEGER;
ALTER TABLE comprobantes ADD COLUMN envio_intentos INTEGER NOT NULL DEFAULT 0;
ALTER TABLE comprobantes ADD COLUMN envio_incierto INTEGER NOT NULL DEFAULT 0;
ALTER TABLE comprobantes ADD COLUMN envio_error TEXT NOT NULL DEFAULT '';
ALTER TABLE comprobantes ADD COLUMN respuesta_sunat TEXT NOT NULL DEFAULT '{}';
CREATE INDEX comprobantes_cola ON comprobantes (envio_programado_us)
    WHERE envio_programado_us IS NOT NULL;

CREATE TABLE logs_envio (
    empresa_id     BLOB NOT NULL REFERENCES empresas (id),
    id             BLOB NOT NULL,
    comprobante_id BLOB NOT NULL,
    operacion      TEXT NOT NULL,
    intento        INTEGER NOT NULL,
    solicitud      TEXT NOT NULL,
    estado_http    INTEGER,
    respuesta      TEXT NOT NULL,
    resultado      TEXT NOT NULL,
    mensaje        TEXT NOT NULL,
    duracion_ms    INTEGER NOT NULL,
    creado_en_us   INTEGER NOT NULL,
    PRIMARY KEY (empresa_id, id),
    FOREIGN KEY (empresa_id, comprobante_id) REFERENCES comprobantes (empresa_id, id)
);
CREATE INDEX logs_envio_comprobante ON logs_envio (empresa_id, comprobante_id, creado_en_us);
CREATE INDEX logs_envio_fecha ON logs_envio (empresa_id, creado_en_us);
