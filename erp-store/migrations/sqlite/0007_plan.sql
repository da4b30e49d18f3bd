-- SaaS plans (seed 002): what each company's subscription allows, as JSON (an empty object is
-- no plan: no limits). The monthly limit counts comprobantes by their date of issue.
ALTER TABLE empresas ADD COLUMN plan TEXT NOT NULL DEFAULT '{}';
CREATE INDEX comprobantes_fecha ON comprobantes (empresa_id, fecha_emision);
