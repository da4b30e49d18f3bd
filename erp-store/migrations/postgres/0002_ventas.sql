-- Customers, suppliers, document series, sales and comprobantes. A sale keeps its lines,
-- payments and instalments as JSON (they are read and written with the sale); what other
-- queries need (customer, date, totals, what is still owed, the idempotency key) are columns.

CREATE TABLE clientes (
    empresa_id       UUID NOT NULL REFERENCES empresas (id),
    id               UUID NOT NULL,
    tipo_documento   TEXT NOT NULL,
    numero_documento TEXT NOT NULL,
    razon_social     TEXT NOT NULL,
    direccion        TEXT NOT NULL DEFAULT '',
    email            TEXT NOT NULL DEFAULT '',
    telefono         TEXT NOT NULL DEFAULT '',
    limite_credito   NUMERIC NOT NULL,
    dias_credito     INTEGER NOT NULL,
    es_varios        BOOLEAN NOT NULL,
    activo           BOOLEAN NOT NULL,
    creado_en_us     BIGINT NOT NULL,
    PRIMARY KEY (empresa_id, id)
);
-- A deactivated customer may be registered again with the same document.
CREATE UNIQUE INDEX clientes_documento_activo
    ON clientes (empresa_id, tipo_documento, numero_documento) WHERE activo;
CREATE INDEX clientes_documento ON clientes (empresa_id, numero_documento);
CREATE INDEX clientes_nombre ON clientes (empresa_id, razon_social);

CREATE TABLE proveedores (
    empresa_id       UUID NOT NULL REFERENCES empresas (id),
    id               UUID NOT NULL,
    ruc              TEXT NOT NULL,
    razon_social     TEXT NOT NULL,
    nombre_comercial TEXT NOT NULL DEFAULT '',
    direccion        TEXT NOT NULL DEFAULT '',
    email            TEXT NOT NULL DEFAULT '',
    telefono         TEXT NOT NULL DEFAULT '',
    contacto         TEXT NOT NULL DEFAULT '',
    dias_credito     INTEGER NOT NULL,
    activo           BOOLEAN NOT NULL,
    creado_en_us     BIGINT NOT NULL,
    PRIMARY KEY (empresa_id, id),
    UNIQUE (empresa_id, ruc)
);
CREATE INDEX proveedores_nombre ON proveedores (empresa_id, razon_social);

CREATE TABLE series_comprobante (
    empresa_id         UUID NOT NULL REFERENCES empresas (id),
    id                 UUID NOT NULL,
    tipo               TEXT NOT NULL,
    serie              TEXT NOT NULL,
    documento_afectado TEXT,
    correlativo        BIGINT NOT NULL,
    activa             BOOLEAN NOT NULL,
    PRIMARY KEY (empresa_id, id),
    UNIQUE (empresa_id, tipo, serie)
);

CREATE TABLE ventas (
    empresa_id                UUID NOT NULL REFERENCES empresas (id),
    id                        UUID NOT NULL,
    cliente_id                UUID NOT NULL,
    almacen_id                UUID NOT NULL,
    fecha                     DATE NOT NULL,
    moneda                    TEXT NOT NULL,
    tipo_de_cambio            NUMERIC,
    precios_incluyen_impuesto BOOLEAN NOT NULL,
    tipo_venta                TEXT NOT NULL,
    condicion                 TEXT NOT NULL,
    estado                    TEXT NOT NULL,
    total                     NUMERIC NOT NULL,
    descuento_global          NUMERIC,
    costo_total               NUMERIC NOT NULL,
    vuelto                    NUMERIC NOT NULL,
    saldo_pendiente           NUMERIC NOT NULL,
    comprobante_id            UUID NOT NULL,
    orden_id                  UUID,
    clave_idempotencia        TEXT,
    observaciones             TEXT NOT NULL DEFAULT '',
    usuario_id                UUID,
    lineas                    TEXT NOT NULL,
    pagos                     TEXT NOT NULL,
    cuotas                    TEXT NOT NULL,
    creado_en_us              BIGINT NOT NULL,
    PRIMARY KEY (empresa_id, id),
    FOREIGN KEY (empresa_id, cliente_id) REFERENCES clientes (empresa_id, id),
    FOREIGN KEY (empresa_id, almacen_id) REFERENCES almacenes (empresa_id, id)
);
CREATE UNIQUE INDEX ventas_clave ON ventas (empresa_id, clave_idempotencia)
    WHERE clave_idempotencia IS NOT NULL;
CREATE INDEX ventas_cliente ON ventas (empresa_id, cliente_id, fecha);
CREATE INDEX ventas_fecha ON ventas (empresa_id, fecha, creado_en_us);

CREATE TABLE comprobantes (
    empresa_id               UUID NOT NULL REFERENCES empresas (id),
    id                       UUID NOT NULL,
    tipo                     TEXT NOT NULL,
    serie                    TEXT NOT NULL,
    numero                   BIGINT NOT NULL,
    venta_id                 UUID NOT NULL,
    referencia_id            UUID,
    motivo_codigo            TEXT,
    motivo                   TEXT NOT NULL DEFAULT '',
    estado                   TEXT NOT NULL,
    cliente_id               UUID NOT NULL,
    cliente_tipo_documento   TEXT NOT NULL,
    cliente_numero_documento TEXT NOT NULL,
    cliente_razon_social     TEXT NOT NULL,
    cliente_direccion        TEXT NOT NULL DEFAULT '',
    fecha_emision            DATE NOT NULL,
    moneda                   TEXT NOT NULL,
    total                    NUMERIC NOT NULL,
    documento                TEXT NOT NULL,
    creado_en_us             BIGINT NOT NULL,
    PRIMARY KEY (empresa_id, id),
    UNIQUE (empresa_id, tipo, serie, numero),
    FOREIGN KEY (empresa_id, venta_id) REFERENCES ventas (empresa_id, id)
);
CREATE INDEX comprobantes_venta ON comprobantes (empresa_id, venta_id);
CREATE INDEX comprobantes_estado ON comprobantes (empresa_id, estado, creado_en_us);
