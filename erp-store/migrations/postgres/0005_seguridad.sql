-- Users, roles (with their permission codes as a JSON array), login sessions (one per refresh
-- token) and the audit log, all per company.

CREATE TABLE roles (
    empresa_id  UUID NOT NULL REFERENCES empresas (id),
    id          UUID NOT NULL,
    codigo      TEXT NOT NULL,
    nombre      TEXT NOT NULL,
    descripcion TEXT NOT NULL DEFAULT '',
    permisos    TEXT NOT NULL,
    de_sistema  BOOLEAN NOT NULL,
    activo      BOOLEAN NOT NULL,
    PRIMARY KEY (empresa_id, id),
    UNIQUE (empresa_id, codigo)
);

CREATE TABLE usuarios (
    empresa_id        UUID NOT NULL REFERENCES empresas (id),
    id                UUID NOT NULL,
    email             TEXT NOT NULL,
    nombre            TEXT NOT NULL,
    apellido          TEXT NOT NULL DEFAULT '',
    clave_hash        TEXT NOT NULL,
    rol_id            UUID NOT NULL,
    activo            BOOLEAN NOT NULL,
    intentos_fallidos INTEGER NOT NULL,
    bloqueado_hasta_us BIGINT,
    ultimo_acceso_us  BIGINT,
    eliminado_en_us   BIGINT,
    creado_en_us      BIGINT NOT NULL,
    PRIMARY KEY (empresa_id, id),
    FOREIGN KEY (empresa_id, rol_id) REFERENCES roles (empresa_id, id)
);
-- One live user per email and company; a deleted one frees the email.
CREATE UNIQUE INDEX usuarios_email ON usuarios (empresa_id, email) WHERE eliminado_en_us IS NULL;
-- Login finds the companies of an email before it opens one.
CREATE INDEX usuarios_email_global ON usuarios (email);

CREATE TABLE sesiones (
    empresa_id      UUID NOT NULL REFERENCES empresas (id),
    id              UUID NOT NULL,
    usuario_id      UUID NOT NULL,
    ip              TEXT NOT NULL DEFAULT '',
    agente          TEXT NOT NULL DEFAULT '',
    creada_en_us    BIGINT NOT NULL,
    expira_en_us    BIGINT NOT NULL,
    revocada_en_us  BIGINT,
    reemplazada_por UUID,
    PRIMARY KEY (empresa_id, id),
    FOREIGN KEY (empresa_id, usuario_id) REFERENCES usuarios (empresa_id, id)
);
CREATE INDEX sesiones_usuario ON sesiones (empresa_id, usuario_id) WHERE revocada_en_us IS NULL;

CREATE TABLE auditoria (
    empresa_id   UUID NOT NULL REFERENCES empresas (id),
    id           UUID NOT NULL,
    usuario_id   UUID,
    accion       TEXT NOT NULL,
    modulo       TEXT NOT NULL DEFAULT '',
    detalle      TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT '',
    creado_en_us BIGINT NOT NULL,
    PRIMARY KEY (empresa_id, id)
);
CREATE INDEX auditoria_fecha ON auditoria (empresa_id, creado_en_us);
