-- Quotations and sales orders; their lines and computed document are JSON, read and written
-- with them.

CREATE TABLE cotizaciones (
    empresa_id                BLOB NOT NULL REFERENCES empresas (id),
    id                        BLOB NOT NULL,
    numero                    TEXT NOT NULL,
    cliente_id                BLOB NOT NULL,
    fecha_emision             TEXT NOT NULL,
    fecha_validez             TEXT NOT NULL,
    estado                    TEXT NOT NULL,
    moneda                    TEXT NOT NULL,
    precios_incluyen_impuesto INTEGER NOT NULL,
    descuento_global          TEXT,
    lineas                    TEXT NOT NULL,
    total                     TEXT NOT NULL,
    documento                 TEXT NOT NULL,
    notas                     TEXT NOT NULL DEFAULT '',
    condiciones               TEXT NOT NULL DEFAULT '',
    origen_id                 BLOB,
    orden_id                  BLOB,
    motivo_rechazo            TEXT NOT NULL DEFAULT '',
    usuario_id                BLOB,
    creado_en_us              INTEGER NOT NULL,
    PRIMARY KEY (empresa_id, id),
    UNIQUE (empresa_id, numero),
    FOREIGN KEY (empresa_id, cliente_id) REFERENCES clientes (empresa_id, id)
);
CREATE INDEX cotizaciones_estado ON cotizaciones (empresa_id, estado, fecha_validez);
CREATE INDEX cotizaciones_cliente ON cotizaciones (empresa_id, cliente_id, creado_en_us);

CREATE TABLE ordenes_venta (
    empresa_id                BLOB NOT NULL REFERENCES empresas (id),
    id                        BLOB NOT NULL,
    numero                    TEXT NOT NULL,
    cliente_id                BLOB NOT NULL,
    cotizacion_id             BLOB,
    almacen_id                BLOB NOT NULL,
    fecha                     TEXT NOT NULL,
    estado                    TEXT NOT NULL,
    moneda                    TEXT NOT NULL,
    precios_incluyen_impuesto INTEGER NOT NULL,
    descuento_global          TEXT,
    lineas                    TEXT NOT NULL,
    total                     TEXT NOT NULL,
    venta_id                  BLOB,
    motivo_cancelacion        TEXT NOT NULL DEFAULT '',
    usuario_id                BLOB,
    creado_en_us              INTEGER NOT NULL,
    PRIMARY KEY (empresa_id, id),
    UNIQUE (empresa_id, numero),
    FOREIGN KEY (empresa_id, cliente_id) REFERENCES clientes (empresa_id, id),
    FOREIGN KEY (empresa_id, almacen_id) REFERENCES almacenes (empresa_id, id)
);
CREATE INDEX ordenes_cliente ON ordenes_venta (empresa_id, cliente_id, creado_en_us);
