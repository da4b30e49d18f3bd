-- Companies and inventory. Every tenant table carries empresa_id and every primary key, unique
-- constraint and index leads with it, so that the schema can be distributed by company later.
-- Money and quantities are TEXT (exact decimals; SQLite's NUMERIC would round them through
-- doubles); instants are INTEGER microseconds since the epoch, which sort like the ledger.

CREATE TABLE empresas (
    id                  BLOB PRIMARY KEY,
    pais                TEXT NOT NULL,
    tipo_identificacion TEXT NOT NULL,
    identificacion      TEXT NOT NULL,
    razon_social        TEXT NOT NULL,
    nombre_comercial    TEXT NOT NULL DEFAULT '',
    direccion           TEXT NOT NULL DEFAULT '',
    moneda              TEXT NOT NULL,
    subdominio          TEXT UNIQUE,
    ajustes             TEXT NOT NULL,
    activa              INTEGER NOT NULL,
    creado_en_us        INTEGER NOT NULL,
    UNIQUE (pais, identificacion)
);

CREATE TABLE configuracion_empresa (
    empresa_id  BLOB NOT NULL REFERENCES empresas (id),
    clave       TEXT NOT NULL,
    tipo_dato   TEXT NOT NULL,
    valor       TEXT NOT NULL,
    descripcion TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (empresa_id, clave)
);

CREATE TABLE contadores (
    empresa_id BLOB NOT NULL REFERENCES empresas (id),
    clave      TEXT NOT NULL,
    valor      INTEGER NOT NULL,
    PRIMARY KEY (empresa_id, clave)
);

CREATE TABLE categorias (
    empresa_id  BLOB NOT NULL REFERENCES empresas (id),
    id          BLOB NOT NULL,
    nombre      TEXT NOT NULL,
    descripcion TEXT NOT NULL DEFAULT '',
    padre_id    BLOB,
    activa      INTEGER NOT NULL,
    PRIMARY KEY (empresa_id, id),
    FOREIGN KEY (empresa_id, padre_id) REFERENCES categorias (empresa_id, id)
);
CREATE INDEX categorias_padre ON categorias (empresa_id, padre_id);

CREATE TABLE marcas (
    empresa_id BLOB NOT NULL REFERENCES empresas (id),
    id         BLOB NOT NULL,
    nombre     TEXT NOT NULL,
    activa     INTEGER NOT NULL,
    PRIMARY KEY (empresa_id, id),
    UNIQUE (empresa_id, nombre)
);

CREATE TABLE almacenes (
    empresa_id   BLOB NOT NULL REFERENCES empresas (id),
    id           BLOB NOT NULL,
    nombre       TEXT NOT NULL,
    direccion    TEXT NOT NULL DEFAULT '',
    sucursal     TEXT NOT NULL DEFAULT '',
    es_principal INTEGER NOT NULL,
    activo       INTEGER NOT NULL,
    PRIMARY KEY (empresa_id, id)
);

CREATE TABLE productos (
    empresa_id              BLOB NOT NULL REFERENCES empresas (id),
    id                      BLOB NOT NULL,
    codigo                  TEXT NOT NULL,
    codigo_barras           TEXT NOT NULL DEFAULT '',
    nombre                  TEXT NOT NULL,
    descripcion             TEXT NOT NULL DEFAULT '',
    categoria_id            BLOB,
    marca_id                BLOB,
    unidad_medida           TEXT NOT NULL,
    afectacion_igv          TEXT NOT NULL,
    tarifa_iva              TEXT NOT NULL,
    icbper                  INTEGER NOT NULL,
    ice_codigo              TEXT,
    ice_tarifa              TEXT,
    precio_venta            TEXT NOT NULL,
    precio_incluye_impuesto INTEGER NOT NULL,
    costo                   TEXT NOT NULL,
    stock_minimo            TEXT NOT NULL,
    stock_maximo            TEXT NOT NULL,
    requiere_serie          INTEGER NOT NULL,
    requiere_lote           INTEGER NOT NULL,
    es_servicio             INTEGER NOT NULL,
    activo                  INTEGER NOT NULL,
    eliminado_en_us         INTEGER,
    creado_en_us            INTEGER NOT NULL,
    actualizado_en_us       INTEGER NOT NULL,
    PRIMARY KEY (empresa_id, id),
    UNIQUE (empresa_id, codigo),
    FOREIGN KEY (empresa_id, categoria_id) REFERENCES categorias (empresa_id, id),
    FOREIGN KEY (empresa_id, marca_id) REFERENCES marcas (empresa_id, id)
);
CREATE INDEX productos_codigo_barras ON productos (empresa_id, codigo_barras);
CREATE INDEX productos_nombre ON productos (empresa_id, nombre);
CREATE INDEX productos_categoria ON productos (empresa_id, categoria_id);

CREATE TABLE stock (
    empresa_id       BLOB NOT NULL REFERENCES empresas (id),
    producto_id      BLOB NOT NULL,
    almacen_id       BLOB NOT NULL,
    cantidad         TEXT NOT NULL,
    reservado        TEXT NOT NULL,
    valor            TEXT NOT NULL,
    costo_promedio   TEXT NOT NULL,
    ultima_fecha_us  INTEGER NOT NULL,
    ultima_secuencia INTEGER NOT NULL,
    PRIMARY KEY (empresa_id, producto_id, almacen_id),
    FOREIGN KEY (empresa_id, producto_id) REFERENCES productos (empresa_id, id),
    FOREIGN KEY (empresa_id, almacen_id) REFERENCES almacenes (empresa_id, id)
);
CREATE INDEX stock_almacen ON stock (empresa_id, almacen_id);

CREATE TABLE lotes (
    empresa_id        BLOB NOT NULL REFERENCES empresas (id),
    id                BLOB NOT NULL,
    producto_id       BLOB NOT NULL,
    almacen_id        BLOB NOT NULL,
    numero_lote       TEXT NOT NULL,
    fecha_vencimiento TEXT,
    cantidad_inicial  TEXT NOT NULL,
    cantidad_actual   TEXT NOT NULL,
    creado_en_us      INTEGER NOT NULL,
    PRIMARY KEY (empresa_id, id),
    UNIQUE (empresa_id, producto_id, almacen_id, numero_lote),
    FOREIGN KEY (empresa_id, producto_id) REFERENCES productos (empresa_id, id),
    FOREIGN KEY (empresa_id, almacen_id) REFERENCES almacenes (empresa_id, id)
);

-- The immutable facts of each stock movement.
CREATE TABLE movimientos_stock (
    empresa_id                BLOB NOT NULL REFERENCES empresas (id),
    id                        BLOB NOT NULL,
    secuencia                 INTEGER NOT NULL,
    fecha_us                  INTEGER NOT NULL,
    producto_id               BLOB NOT NULL,
    almacen_id                BLOB NOT NULL,
    tipo                      TEXT NOT NULL,
    cantidad                  TEXT NOT NULL,
    lote_id                   BLOB,
    movimiento_relacionado_id BLOB,
    referencia_tipo           TEXT,
    referencia_id             BLOB,
    motivo                    TEXT NOT NULL DEFAULT '',
    usuario_id                BLOB,
    aprobado_por              BLOB,
    creado_en_us              INTEGER NOT NULL,
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
-- key; a backdated movement rewrites the valuation of the rows after it in place.
CREATE TABLE kardex (
    empresa_id                BLOB NOT NULL,
    producto_id               BLOB NOT NULL,
    almacen_id                BLOB NOT NULL,
    fecha_us                  INTEGER NOT NULL,
    secuencia                 INTEGER NOT NULL,
    movimiento_id             BLOB NOT NULL,
    tipo                      TEXT NOT NULL,
    cantidad                  TEXT NOT NULL,
    costo_unitario            TEXT NOT NULL,
    valor                     TEXT NOT NULL,
    cantidad_saldo            TEXT NOT NULL,
    valor_saldo               TEXT NOT NULL,
    costo_promedio_saldo      TEXT NOT NULL,
    movimiento_relacionado_id BLOB,
    aprobado_por              BLOB,
    PRIMARY KEY (empresa_id, producto_id, almacen_id, fecha_us, secuencia),
    FOREIGN KEY (empresa_id, movimiento_id) REFERENCES movimientos_stock (empresa_id, id)
);
CREATE UNIQUE INDEX kardex_movimiento ON kardex (empresa_id, movimiento_id);

CREATE TABLE series (
    empresa_id           BLOB NOT NULL REFERENCES empresas (id),
    id                   BLOB NOT NULL,
    producto_id          BLOB NOT NULL,
    numero_serie         TEXT NOT NULL,
    estado               TEXT NOT NULL,
    almacen_id           BLOB,
    fecha_ingreso        TEXT NOT NULL,
    ultimo_movimiento_id BLOB,
    referencia_tipo      TEXT,
    referencia_id        BLOB,
    observaciones        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (empresa_id, id),
    UNIQUE (empresa_id, producto_id, numero_serie),
    FOREIGN KEY (empresa_id, producto_id) REFERENCES productos (empresa_id, id)
);
CREATE INDEX series_estado ON series (empresa_id, producto_id, estado);
