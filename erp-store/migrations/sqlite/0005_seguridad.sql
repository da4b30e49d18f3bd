-- Users, roles (with their permission codes as a JSON array), login sessions (one per refresh
-- token) and the audit log, all per company.

CREATE TABLE roles (
    empresa_id  BLOB NOT NULL REFERENCES empresas (id),
    id          BLOB NOT NULL,
    codigo      TEXT NOT NULL,
    nombre      TEXT NOT NULL,
    descripcion TEXT NOT NULL DEFAULT '',
    permisos    TEXT NOT NULL,
    de_sistema  INTEGER NOT NULL,
    activo      INTEGER NOT NULL,
    PRIMARY KEY (empresa_id, id),
    UNIQUE (empresa_id, codigo)
);

CREATE TABLE usuarios (
    empresa_id        BLOB NOT NULL REFERENCES empresas (id),
    id                BLOB NOT NULL,
    email             TEXT NOT NULL,
    nombre            TEXT NOT NULL,
    apellido          TEXT NOT NULL DEFAULT '',
    clave_hash        TEXT NOT NULL,
    rol_id            BLOB NOT NULL,
    activo            INTEGER NOT NULL,
    intentos_fallidos INTEGER NOT NULL,
    bloqueado_hasta_us INTEGER,
    ultimo_acceso_us  INTEGER,
    eliminado_en_us   INTEGER,
    creado_en_us      INTEGER NOT NULL,
    PRIMARY KEY (empresa_id, id),
    FOREIGN KEY (empresa_id, rol_id) REFERENCES roles (empresa_id, id)
);
-- One live user per email and company; a deleted one frees the email.
CREATE UNIQUE INDEX usuarios_email ON usuarios (empresa_id, email) WHERE eliminado_en_us IS NULL;
-- Login finds the companies of an email before it opens one.
CREATE INDEX usuarios_email_global ON usuarios (email);

CREATE TABLE sesiones (
    empresa_id      BLOB NOT NULL REFERENCES empresas (id),
    id              BLOB NOT NULL,
    usuario_id      BLOB NOT NULL,
    ip              TEXT NOT NULL DEFAULT '',
    agente          TEXT NOT NULL DEFAULT '',
    creada_en_us    INTEGER NOT NULL,
    expira_en_us    INTEGER NOT NULL,
    revocada_en_us  INTEGER,
    reemplazada_por BLOB,
    PRIMARY KEY (empresa_id, id),
    FOREIGN KEY (empresa_id, usuario_id) REFERENCES usuarios (empresa_id, id)
);
CREATE INDEX sesiones_usuario ON sesiones (empresa_id, usuario_id) WHERE revocada_en_us IS NULL;

CREATE TABLE auditoria (
    empresa_id   BLOB NOT NULL REFERENCES empresas (id),
    id           BLOB NOT NULL,
    usuario_id   BLOB,
    accion       TEXT NOT NULL,
    modulo       TEXT NOT NULL DEFAULT '',
    detalle      TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT '',
    creado_en_us INTEGER NOT NULL,
    PRIMARY KEY (empresa_id, id)
);
CREATE INDEX auditoria_fecha ON auditoria (empresa_id, creado_en_us);
