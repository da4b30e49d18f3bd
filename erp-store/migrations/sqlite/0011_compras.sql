-- Purchases (contract §7): purchase orders and the receptions that put their goods in stock.
-- The lines are JSON, read and written with their document; a reception's stock entries are
-- ledger rows with referencia_tipo 'compra' and the order's id.

CREATE TABLE ordenes_compra (
    empresa_id             BLOB NOT NULL REFERENCES empresas (id),
    id                     BLOB NOT NULL,
    numero                 TEXT NOT NULL,
    proveedor_id           BLOB NOT NULL,
    almacen_destino_id     BLOB NOT NULL,
    fecha                  TEXT NOT NULL,
    fecha_estimada_entrega TEXT,
    estado                 TEXT NOT NULL,
    moneda                 TEXT NOT NULL,
    lineas                 TEXT NOT NULL,
    total_base             TEXT NOT NULL,
    total_impuestos        TEXT NOT NULL,
    total                  TEXT NOT NULL,
    notas                  TEXT NOT NULL DEFAULT '',
    aprobado_por_id        BLOB,
    motivo_cancelacion     TEXT NOT NULL DEFAULT '',
    usuario_id             BLOB,
    creado_en_us           INTEGER NOT NULL,
    PRIMARY KEY (empresa_id, id),
    UNIQUE (empresa_id, numero),
    FOREIGN KEY (empresa_id, proveedor_id) REFERENCES proveedores (empresa_id, id),
    FOREIGN KEY (empresa_id, almacen_destino_id) REFERENCES almacenes (empresa_id, id)
);
CREATE INDEX ordenes_compra_proveedor ON ordenes_compra (empresa_id, proveedor_id, creado_en_us);
CREATE INDEX ordenes_compra_estado ON ordenes_compra (empresa_id, estado, creado_en_us);

CREATE TABLE recepciones (
    empresa_id      BLOB NOT NULL REFERENCES empresas (id),
    id              BLOB NOT NULL,
    orden_compra_id BLOB NOT NULL,
    fecha_recepcion TEXT NOT NULL,
    almacen_id      BLOB NOT NULL,
    tipo            TEXT NOT NULL,
    tipo_de_cambio  TEXT,
    lineas          TEXT NOT NULL,
    observaciones   TEXT NOT NULL DEFAULT '',
    recibido_por_id BLOB,
    creado_en_us    INTEGER NOT NULL,
    PRIMARY KEY (empresa_id, id),
    FOREIGN KEY (empresa_id, orden_compra_id) REFERENCES ordenes_compra (empresa_id, id),
    FOREIGN KEY (empresa_id, almacen_id) REFERENCES almacenes (empresa_id, id)
);
CREATE INDEX recepciones_orden ON recepciones (empresa_id, orden_compra_id, creado_en_us);
