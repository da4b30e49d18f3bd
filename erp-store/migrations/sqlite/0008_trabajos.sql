-- Background jobs with the database as the queue: each company has at most one pending run of
-- each kind; a worker claims a due run for a while (a lease), and a run whose worker died is
-- claimed again when the lease ends, so a restart loses nothing. Notifications are what the
-- jobs tell users (the contract's bell: stock_bajo, cotizacion_vencer…).

CREATE TABLE trabajos (
    empresa_id         BLOB NOT NULL REFERENCES empresas (id),
    id                 BLOB NOT NULL,
    tipo               TEXT NOT NULL,
    estado             TEXT NOT NULL,
    programado_us      INTEGER NOT NULL,
    reclamado_hasta_us INTEGER,
    intentos           INTEGER NOT NULL DEFAULT 0,
    ultimo_error       TEXT NOT NULL DEFAULT '',
    resultado          TEXT NOT NULL DEFAULT '',
    creado_en_us       INTEGER NOT NULL,
    terminado_en_us    INTEGER,
    PRIMARY KEY (empresa_id, id)
);
CREATE UNIQUE INDEX trabajos_pendientes ON trabajos (empresa_id, tipo) WHERE estado = 'pendiente';
CREATE INDEX trabajos_cola ON trabajos (programado_us) WHERE estado = 'pendiente';

CREATE TABLE notificaciones (
    empresa_id      BLOB NOT NULL REFERENCES empresas (id),
    id              BLOB NOT NULL,
    usuario_id      BLOB NOT NULL,
    tipo            TEXT NOT NULL,
    titulo          TEXT NOT NULL,
    mensaje         TEXT NOT NULL,
    leida           INTEGER NOT NULL DEFAULT 0,
    referencia_tipo TEXT NOT NULL DEFAULT '',
    referencia_id   BLOB,
    creado_en_us    INTEGER NOT NULL,
    PRIMARY KEY (empresa_id, id),
    FOREIGN KEY (empresa_id, usuario_id) REFERENCES usuarios (empresa_id, id)
);
CREATE INDEX notificaciones_usuario ON notificaciones (empresa_id, usuario_id, leida, creado_en_us);
