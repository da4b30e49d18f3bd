//! SaaS mode through the API (seed 002 §2 and its business model): the subdomain selects the
//! company at login (by the Host header or in the body), and a company's plan limits its
//! modules, its active users and its comprobantes per month, each with a 403 in the envelope
//! that names the limit, while another company without a plan is not affected.

use super::*;
use erp_core::seguridad::{Modulo, Plan};

en_ambos!(subdominios_y_plan);

/// A company in SaaS mode with its subdomain and an admin of this email.
async fn empresa_saas(api: &Api, subdominio: &str, email: &str) -> uuid::Uuid {
    let (e, _) = servidor::asegurar_empresa(
        &api.estado,
        NuevaEmpresa {
            pais: Pais::Peru,
            tipo_identificacion: None,
            identificacion: ruc(),
            razon_social: format!("Tienda {subdominio} S.A.C."),
            nombre_comercial: String::new(),
            direccion: String::new(),
            moneda: None,
            subdominio: Some(subdominio.into()),
            ajustes: AjustesEmpresa::default(),
            plan: Default::default(),
        },
    )
    .await
    .unwrap();
    servidor::asegurar_admin(
        &api.estado,
        e.id,
        email,
        Some("clave-segura-123".into()),
        "Ana",
    )
    .await
    .unwrap();
    e.id
}

impl Api {
    /// A login as a browser at `host` sends it.
    async fn login_en(&self, host: &str, cuerpo: Value) -> (u16, Value) {
        let resp = self
            .http
            .post(format!("{}/auth/login/", self.base))
            .header(reqwest::header::HOST, host)
            .json(&cuerpo)
            .send()
            .await
            .unwrap();
        let st = resp.status().as_u16();
        (st, resp.json().await.unwrap())
    }
}

async fn subdominios_y_plan(api: Api) {
    // One email, admin of two companies (a bookkeeper for two shops).
    let email = correo("contadora");
    let sufijo = &uuid::Uuid::now_v7().simple().to_string()[20..];
    let (sub_a, sub_b) = (format!("norte{sufijo}"), format!("sur{sufijo}"));
    let a = empresa_saas(&api, &sub_a, &email).await;
    let b = empresa_saas(&api, &sub_b, &email).await;

    // Without a subdomain the email names two companies: refused, saying to give it.
    let (st, v) = api.login(&email, "clave-segura-123").await;
    assert_eq!(
        (st, v["codigo"].as_str()),
        (401, Some("auth_failed")),
        "{v}"
    );
    assert!(v["error"].as_str().unwrap().contains("subdominio"), "{v}");
    // The Host header chooses; the body's `subdominio` too; an unknown subdomain names none.
    let cuerpo = json!({"email": email, "password": "clave-segura-123"});
    let (st, v) = api
        .login_en(&format!("{sub_a}.erp.pe:8000"), cuerpo.clone())
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["data"]["usuario"]["empresa"]["id"], json!(a));
    let token_a = v["data"]["access"].as_str().unwrap().to_string();
    let mut con_sub = cuerpo.clone();
    con_sub["subdominio"] = json!(sub_b.to_uppercase());
    let (st, v) = api.login_en("127.0.0.1", con_sub).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["data"]["usuario"]["empresa"]["id"], json!(b));
    let token_b = v["data"]["access"].as_str().unwrap().to_string();
    let (st, v) = api
        .login_en(&format!("otra{sufijo}.erp.pe"), cuerpo.clone())
        .await;
    assert_eq!(
        (st, v["codigo"].as_str()),
        (401, Some("auth_failed")),
        "{v}"
    );

    // Company A takes the basic plan: inventory and sales, 2 active users, 1 comprobante a month.
    api.estado
        .motor
        .asignar_plan(
            a,
            Plan {
                nombre: "basico".into(),
                max_usuarios: Some(2),
                modulos: Some([Modulo::Inventario, Modulo::Ventas].into()),
                max_transacciones_mes: Some(1),
            },
        )
        .await
        .unwrap();
    // Its admin's profile lists only what the plan includes, and the plan.
    let (st, v) = api.get("/auth/me/", &token_a).await;
    assert_eq!(st, 200, "{v}");
    let permisos: Vec<&str> = v["data"]["permisos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(permisos.contains(&"ventas.pos") && permisos.contains(&"usuarios.crear"));
    assert!(
        !permisos
            .iter()
            .any(|p| p.starts_with("compras.") || p.starts_with("proveedores."))
    );
    assert_eq!(v["data"]["empresa"]["plan"]["nombre"], "basico");

    // A module outside the plan: 403 even for the admin, saying which module.
    let (st, v) = api.get("/proveedores/", &token_a).await;
    assert_eq!(
        (st, v["codigo"].as_str()),
        (403, Some("modulo_no_habilitado")),
        "{v}"
    );
    assert!(v["error"].as_str().unwrap().contains("compras"), "{v}");
    let (st, v) = api
        .post(
            "/proveedores/",
            &token_a,
            json!({"ruc": "20131312955", "razon_social": "Sunat Proveedora S.A."}),
        )
        .await;
    assert_eq!(
        (st, v["codigo"].as_str()),
        (403, Some("modulo_no_habilitado")),
        "{v}"
    );
    // Company B has no plan: the same request lists its suppliers.
    let (st, v) = api.get("/proveedores/", &token_b).await;
    assert_eq!(st, 200, "{v}");

    // Users: the admin and one more.
    let (_, vendedor) = usuario_con_rol(&api, &token_a, "vendedor").await;
    let (st, v) = api
        .post(
            "/usuarios/",
            &token_a,
            json!({"email": correo("tercero"), "nombre": "Tercero", "password": "otra-clave-456", "rol": "cajero"}),
        )
        .await;
    assert_eq!(
        (st, v["codigo"].as_str()),
        (403, Some("limite_usuarios")),
        "{v}"
    );
    assert!(
        v["error"].as_str().unwrap().contains("2 usuarios activos"),
        "{v}"
    );
    let (st, v) = api.get("/usuarios/", &token_a).await;
    assert_eq!((st, v["data"]["count"].clone()), (200, json!(2)), "{v}");

    // Comprobantes: one this month; the second sale is refused and moves no stock.
    let (producto, codigo) = producto_con_stock(&api, &token_a, "10").await;
    let venta = json!({"items": [{"codigo": codigo, "cantidad": "1"}]});
    let (st, v) = api.post("/ventas/pos/", &vendedor, venta.clone()).await;
    assert_eq!(st, 201, "{v}");
    let (st, v) = api.post("/ventas/pos/", &vendedor, venta.clone()).await;
    assert_eq!(
        (st, v["codigo"].as_str()),
        (403, Some("limite_transacciones")),
        "{v}"
    );
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("1 comprobantes por mes"),
        "{v}"
    );
    assert_eq!(stock(&api, &token_a, &producto).await, "9");
    let (st, v) = api.get("/ventas/", &token_a).await;
    assert_eq!((st, v["data"]["count"].clone()), (200, json!(1)), "{v}");

    // The operator lifts the plan: the next sale goes through.
    api.estado
        .motor
        .asignar_plan(a, Plan::default())
        .await
        .unwrap();
    let (st, v) = api.post("/ventas/pos/", &vendedor, venta).await;
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["data"]["comprobante"]["numero"], 2);
    let (st, v) = api.get("/proveedores/", &token_a).await;
    assert_eq!(st, 200, "{v}");
}
