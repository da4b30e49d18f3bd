-- Quotations and sales orders; their lines and computed document are JSON, read and written
-- with them.

CREATE TABLE cotizaciones (
    empresa_id                UUID NOT NULL REFERENCES empresas (id),
    id                        UUID NOT NULL,
    numero                    TEXT NOT NULL,
    cliente_id                UUID NOT NULL,
    fecha_emision             DATE NOT NULL,
    fecha_validez             DATE NOT NULL,
    estado                    TEXT NOT NULL,
    moneda                    TEXT NOT NULL,
    precios_incluyen_impuesto BOOLEAN NOT NULL,
    descuento_global          NUMERIC,
    lineas                    TEXT NOT NULL,
    total                     NUMERIC NOT NULL,
    documento                 TEXT NOT NULL,
    notas                     TEXT NOT NULL DEFAULT '',
    condiciones               TEXT NOT NULL DEFAULT '',
    origen_id                 UUID,
    orden_id                  UUID,
    motivo_rechazo            TEXT NOT NULL DEFAULT '',
    usuario_id                UUID,
    creado_en_us              BIGINT NOT NULL,
    PRIMARY KEY (empresa_id, id),
    UNIQUE (empresa_id, numero),
    FOREIGN KEY (empresa_id, cliente_id) REFERENCES clientes (empresa_id, id)
);
CREATE INDEX cotizaciones_estado ON cotizaciones (empresa_id, estado, fecha_validez);
CREATE INDEX cotizaciones_cliente ON cotizaciones (empresa_id, cliente_id, creado_en_us);

CREATE TABLE ordenes_venta (
    empresa_id                UUID NOT NULL REFERENCES empresas (id),
    id                        UUID NOT NULL,
    numero                    TEXT NOT NULL,
    cliente_id                UUID NOT NULL,
    cotizacion_id             UUID,
    almacen_id                UUID NOT NULL,
    fecha                     DATE NOT NULL,
    estado                    TEXT NOT NULL,
    moneda                    TEXT NOT NULL,
    precios_incluyen_impuesto BOOLEAN NOT NULL,
    descuento_global          NUMERIC,
    lineas                    TEXT NOT NULL,
    total                     NUMERIC NOT NULL,
    venta_id                  UUID,
    motivo_cancelacion        TEXT NOT NULL DEFAULT '',
    usuario_id                UUID,
    creado_en_us              BIGINT NOT NULL,
    PRIMARY KEY (empresa_id, id),
    UNIQUE (empresa_id, numero),
    FOREIGN KEY (empresa_id, cliente_id) REFERENCES clientes (empresa_id, id),
    FOREIGN KEY (empresa_id, almacen_id) REFERENCES almacenes (empresa_id, id)
);
CREATE INDEX ordenes_cliente ON ordenes_venta (empresa_id, cliente_id, creado_en_us);
