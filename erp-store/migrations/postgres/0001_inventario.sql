-- Companies and inventory. Every tenant table carries empresa_id and every primary key, unique
-- constraint and index leads with it, so that the schema can be distributed by company later.
-- Money and quantities are unconstrained NUMERIC (exact, and each value keeps its own scale as
-- in SQLite's TEXT, so both stores return 12.50 as 12.50); instants are BIGINT microseconds since the epoch,
-- as in the SQLite schema, so both stores order the ledger identically.

CREATE TABLE empresas (
    id                  UUID PRIMARY KEY,
    pais                TEXT NOT NULL,
    tipo_identificacion TEXT NOT NULL,
    identificacion      TEXT NOT NULL,
    razon_social        TEXT NOT NULL,
    nombre_comercial    TEXT NOT NULL DEFAULT '',
    direccion           TEXT NOT NULL DEFAULT '',
    moneda              TEXT NOT NULL,
    subdominio          TEXT UNIQUE,
    ajustes             TEXT NOT NULL,
    activa              BOOLEAN NOT NULL,
    creado_en_us        BIGINT NOT NULL,
    UNIQUE (pais, identificacion)
);

CREATE TABLE configuracion_empresa (
    empresa_id  UUID NOT NULL REFERENCES empresas (id),
    clave       TEXT NOT NULL,
    tipo_dato   TEXT NOT NULL,
    valor       TEXT NOT NULL,
    descripcion TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (empresa_id, clave)
);

CREATE TABLE contadores (
    empresa_id UUID NOT NULL REFERENCES empresas (id),
    clave      TEXT NOT NULL,
    valor      BIGINT NOT NULL,
    PRIMARY KEY (empresa_id, clave)
);

CREATE TABLE categorias (
    empresa_id  UUID NOT NULL REFERENCES empresas (id),
    id          UUID NOT NULL,
    nombre      TEXT NOT NULL,
    descripcion TEXT NOT NULL DEFAULT '',
    padre_id    UUID,
    activa      BOOLEAN NOT NULL,
    PRIMARY KEY (empresa_id, id),
    FOREIGN KEY (empresa_id, padre_id) REFERENCES categorias (empresa_id, id)
);
CREATE INDEX categorias_padre ON categorias (empresa_id, padre_id);

CREATE TABLE marcas (
    empresa_id UUID NOT NULL REFERENCES empresas (id),
    id         UUID NOT NULL,
    nombre     TEXT NOT NULL,
    activa     BOOLEAN NOT NULL,
    PRIMARY KEY (empresa_id, id),
    UNIQUE (empresa_id, nombre)
);

CREATE TABLE almacenes (
    empresa_id   UUID NOT NULL REFERENCES empresas (id),
    id           UUID NOT NULL,
    nombre       TEXT NOT NULL,
    direccion    TEXT NOT NULL DEFAULT '',
    sucursal     TEXT NOT NULL DEFAULT '',
    es_principal BOOLEAN NOT NULL,
    activo       BOOLEAN NOT NULL,
    PRIMARY KEY (empresa_id, id)
);

CREATE TABLE productos (
    empresa_id              UUID NOT NULL REFERENCES empresas (id),
    id                      UUID NOT NULL,
    codigo                  TEXT NOT NULL,
    codigo_barras           TEXT NOT NULL DEFAULT '',
    nombre                  TEXT NOT NULL,
    descripcion             TEXT NOT NULL DEFAULT '',
    categoria_id            UUID,
    marca_id                UUID,
    unidad_medida           TEXT NOT NULL,
    afectacion_igv          TEXT NOT NULL,
    tarifa_iva              TEXT NOT NULL,
    icbper                  BOOLEAN NOT NULL,
    ice_codigo              TEXT,
    ice_tarifa              NUMERIC,
    precio_venta            NUMERIC NOT NULL,
    precio_incluye_impuesto BOOLEAN NOT NULL,
    costo                   NUMERIC NOT NULL,
    stock_minimo            NUMERIC NOT NULL,
    stock_maximo            NUMERIC NOT NULL,
    requiere_serie          BOOLEAN NOT NULL,
    requiere_lote           BOOLEAN NOT NULL,
    es_servicio             BOOLEAN NOT NULL,
    activo                  BOOLEAN NOT NULL,
    eliminado_en_us         BIGINT,
    creado_en_us            BIGINT NOT NULL,
    actualizado_en_us       BIGINT NOT NULL,
    PRIMARY KEY (empresa_id, id),
    UNIQUE (empresa_id, codigo),
    FOREIGN KEY (empresa_id, categoria_id) REFERENCES categorias (empresa_id, id),
    FOREIGN KEY (empresa_id, marca_id) REFERENCES marcas (empresa_id, id)
);
CREATE INDEX productos_codigo_barras ON productos (empresa_id, codigo_barras);
CREATE INDEX productos_nombre ON productos (empresa_id, nombre);
CREATE INDEX productos_categoria ON productos (empresa_id, categoria_id);

CREATE TABLE stock (
    empresa_id       UUID NOT NULL REFERENCES empresas (id),
    producto_id      UUID NOT NULL,
    almacen_id       UUID NOT NULL,
    cantidad         NUMERIC NOT NULL,
    reservado        NUMERIC NOT NULL,
    valor            NUMERIC NOT NULL,
    costo_promedio   NUMERIC NOT NULL,
    ultima_fecha_us  BIGINT NOT NULL,
    ultima_secuencia BIGINT NOT NULL,
    PRIMARY KEY (empresa_id, producto_id, almacen_id),
    FOREIGN KEY (empresa_id, producto_id) REFERENCES productos (empresa_id, id),
    FOREIGN KEY (empresa_id, almacen_id) REFERENCES almacenes (empresa_id, id)
);
CREATE INDEX stock_almacen ON stock (empresa_id, almacen_id);

CREATE TABLE lotes (
    empresa_id        UUID NOT NULL REFERENCES empresas (id),
    id                UUID NOT NULL,
    producto_id       UUID NOT NULL,
    almacen_id        UUID NOT NULL,
    numero_lote       TEXT NOT NULL,
    fecha_vencimiento DATE,
    cantidad_inicial  NUMERIC NOT NULL,
    cantidad_actual   NUMERIC NOT NULL,
    creado_en_us      BIGINT NOT NULL,
    PRIMARY KEY (empresa_id, id),
    UNIQUE (empresa_id, producto_id, almacen_id, numero_lote),
    FOREIGN KEY (empresa_id, producto_id) REFERENCES productos (empresa_id, id),
    FOREIGN KEY (empresa_id, almacen_id) REFERENCES almacenes (empresa_id, id)
);

-- The immutable facts of each stock movement.
CREATE TABLE movimientos_stock (
    empresa_id                UUID NOT NULL REFERENCES empresas (id),
    id                        UUID NOT NULL,
    secuencia                 BIGINT NOT NULL,
    fecha_us                  BIGINT NOT NULL,
    producto_id               UUID NOT NULL,
    almacen_id                UUID NOT NULL,
    tipo                      TEXT NOT NULL,
    cantidad                  NUMERIC NOT NULL,
    lote_id                   UUID,
    movimiento_relacionado_id UUID,
    referencia_tipo           TEXT,
    referencia_id             UUID,
    motivo                    TEXT NOT NULL DEFAULT '',
    usuario_id                UUID,
    aprobado_por              UUID,
    creado_en_us              BIGINT NOT NULL,
    PRIMARY KEY (empresa_id, id),
    FOREIGN KEY (empresa_id, producto_id) REFERENCES productos (empresa_id, id),
    FOREIGN KEY (empresa_id, almacen_id) REFERENCES almacenes (empresa_id, id),
    FOREIGN KEY (empresa_id, lote_id) REFERENCES lotes (empresa_id, id)
);
CREATE INDEX movimientos_producto
    ON movimientos_stock (empresa_id, producto_id, almacen_id, fecha_us, secuencia);
CREATE INDEX movimientos_fecha ON movimientos_stock (empresa_id, fecha_us, secuencia);
CREATE INDEX movimientos_referencia ON movimientos_stock (empresa_id, referencia_tipo, referencia_id);

-- The kardex: each movement's place in the chain of its product and warehouse, its valuation
-- and the running balance after it, keyed in ledger order. Stock at a date is one read of this
-- key; a backdated movement rewrites the valuation of the rows after it in place. With half of each page free, that rewrite of
-- unindexed columns is a HOT update and touches no index.
CREATE TABLE kardex (
    empresa_id                UUID NOT NULL,
    producto_id               UUID NOT NULL,
    almacen_id                UUID NOT NULL,
    fecha_us                  BIGINT NOT NULL,
    secuencia                 BIGINT NOT NULL,
    movimiento_id             UUID NOT NULL,
    tipo                      TEXT NOT NULL,
    cantidad                  NUMERIC NOT NULL,
    costo_unitario            NUMERIC NOT NULL,
    valor                     NUMERIC NOT NULL,
    cantidad_saldo            NUMERIC NOT NULL,
    valor_saldo               NUMERIC NOT NULL,
    costo_promedio_saldo      NUMERIC NOT NULL,
    movimiento_relacionado_id UUID,
    aprobado_por              UUID,
    PRIMARY KEY (empresa_id, producto_id, almacen_id, fecha_us, secuencia),
    FOREIGN KEY (empresa_id, movimiento_id) REFERENCES movimientos_stock (empresa_id, id)
) WITH (fillfactor = 50);
CREATE UNIQUE INDEX kardex_movimiento ON kardex (empresa_id, movimiento_id);

CREATE TABLE series (
    empresa_id           UUID NOT NULL REFERENCES empresas (id),
    id                   UUID NOT NULL,
    producto_id          UUID NOT NULL,
    numero_serie         TEXT NOT NULL,
    estado               TEXT NOT NULL,
    almacen_id           UUID,
    fecha_ingreso        DATE NOT NULL,
    ultimo_movimiento_id UUID,
    referencia_tipo      TEXT,
    referencia_id        UUID,
    observaciones        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (empresa_id, id),
    UNIQUE (empresa_id, producto_id, numero_serie),
    FOREIGN KEY (empresa_id, producto_id) REFERENCES productos (empresa_id, id)
);
CREATE INDEX series_estado ON series (empresa_id, producto_id, estado);
