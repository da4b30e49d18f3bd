//! `erp`: the command line of the ERP engine: the REST server (`erp serve`), the setup commands
//! of seed 000 (`setup-empresa`, `seed-permisos`), a company's SaaS plan (`plan`), document
//! computation, identity validation and the benchmarks.

mod bench;

use erp_server::servidor;

use std::io::{Read, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use erp_core::{Pais, TipoDocumentoIdentidad};

/// Largest document `erp calcular` reads: far beyond any real document, small enough that a
/// runaway pipe cannot exhaust memory.
const MAX_ENTRADA: u64 = 16 * 1024 * 1024;

#[derive(Parser)]
#[command(name = "erp", version, about = "Motor ERP para Perú y Ecuador")]
struct Cli {
    #[command(subcommand)]
    comando: Comando,
}

#[derive(Subcommand)]
enum Comando {
    /// Sirve la API REST (/api/v1/) sobre SQLite (un archivo) o PostgreSQL.
    Serve {
        /// Base de datos: una ruta o URL de SQLite, o postgres://…
        #[arg(long, env = "ERP_DB", default_value = "sqlite://erp.db")]
        db: String,
        /// Dirección de escucha.
        #[arg(long, env = "ERP_DIRECCION", default_value = "127.0.0.1:8000")]
        direccion: std::net::SocketAddr,
        /// Crea (una vez) una empresa de demostración y su administrador, e imprime la
        /// contraseña.
        #[arg(long)]
        demo: bool,
        /// Secreto de los JWT (32+ caracteres); uno aleatorio si falta.
        #[arg(long, env = "ERP_JWT_SECRET", hide_env_values = true)]
        secreto_jwt: Option<String>,
        /// Segundos entre rondas de los trabajos en segundo plano (vencer cotizaciones, avisos
        /// de stock mínimo); 0 no ejecuta ninguno (cuando otro servidor los ejecuta).
        #[arg(long, env = "ERP_TRABAJOS_CADA", default_value_t = 60)]
        trabajos_cada: u64,
        /// Segundos entre rondas del envío de comprobantes a Nubefact cuando ninguna venta lo
        /// despierta; 0 no envía ninguno (cuando otro servidor los envía).
        #[arg(long, env = "ERP_ENVIOS_CADA", default_value_t = 5)]
        envios_cada: u64,
        /// Comprobantes que se envían a la vez.
        #[arg(long, env = "ERP_ENVIOS_CONCURRENTES", default_value_t = 2)]
        envios_concurrentes: usize,
        /// Segundos entre intentos de un comprobante que falló (el contrato: 5 minutos).
        #[arg(long, env = "ERP_ENVIO_INTERVALO", default_value_t = 300)]
        envio_intervalo: u64,
        /// Intentos antes de dejar un comprobante en error_permanente para reenvío manual.
        #[arg(long, env = "ERP_ENVIO_INTENTOS", default_value_t = 5,
              value_parser = clap::value_parser!(i32).range(1..=100))]
        envio_intentos: i32,
        /// Segundos que puede tardar una solicitud a Nubefact.
        #[arg(long, env = "ERP_NUBEFACT_ESPERA",
              default_value_t = erp_core::facturacion::envio::ESPERA_POR_DEFECTO.whole_seconds().unsigned_abs(),
              value_parser = clap::value_parser!(u64).range(1..=600))]
        nubefact_espera: u64,
    },
    /// Crea la empresa y su primer administrador (idempotente).
    SetupEmpresa {
        #[arg(long, env = "ERP_DB", default_value = "sqlite://erp.db")]
        db: String,
        /// PE o EC.
        #[arg(long)]
        pais: String,
        /// RUC de la empresa.
        #[arg(long)]
        ruc: String,
        #[arg(long)]
        razon_social: String,
        #[arg(long, default_value = "")]
        direccion: String,
        /// Subdominio (modo SaaS).
        #[arg(long)]
        subdominio: Option<String>,
        /// Correo del administrador.
        #[arg(long)]
        email: String,
        /// Contraseña del administrador; una aleatoria (impresa) si falta.
        #[arg(long, env = "ERP_ADMIN_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Asigna el plan SaaS de una empresa: usuarios activos, módulos y comprobantes por mes como
    /// máximo. Cada ejecución reemplaza el plan entero: un límite que no se indica queda libre.
    Plan {
        #[arg(long, env = "ERP_DB", default_value = "sqlite://erp.db")]
        db: String,
        /// PE o EC.
        #[arg(long)]
        pais: String,
        /// RUC de la empresa.
        #[arg(long)]
        ruc: String,
        /// Nombre del plan (basico, pyme…), para los mensajes.
        #[arg(long, default_value = "")]
        nombre: String,
        /// Usuarios activos como máximo.
        #[arg(long)]
        usuarios: Option<u32>,
        /// Módulos habilitados, separados por comas (inventario, ventas, compras, finanzas,
        /// rrhh, facturacion, distribucion, whatsapp, reportes); todos si falta.
        #[arg(long, value_delimiter = ',')]
        modulos: Option<Vec<String>>,
        /// Comprobantes emitidos por mes como máximo.
        #[arg(long)]
        transacciones_mes: Option<u32>,
    },
    /// Crea o actualiza los roles y permisos base de todas las empresas (idempotente).
    SeedPermisos {
        #[arg(long, env = "ERP_DB", default_value = "sqlite://erp.db")]
        db: String,
    },
    /// Benchmarks of the engine.
    Bench {
        #[command(subcommand)]
        cual: Bench,
    },
    /// Calcula un documento: JSON por la entrada estándar, JSON calculado por la salida.
    /// Ante una entrada inválida imprime el error como JSON ({codigo, campo, mensaje}) y sale
    /// con código 1.
    Calcular {
        /// Imprime el JSON con sangría.
        #[arg(long)]
        pretty: bool,
    },
    /// Valida un número de documento de identidad. Sale con 0 si es válido, 1 si no, 2 si la
    /// orden está mal escrita.
    ValidarDocumento {
        /// País: PE o EC.
        pais: String,
        /// Tipo: ruc, dni, ce, pasaporte (PE); ruc, cedula, pasaporte, consumidor_final (EC).
        tipo: String,
        /// El número a validar.
        numero: String,
        /// Imprime el resultado como JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum Bench {
    /// The e-invoicing outbox: N POS sales queued, then K senders send them to a gateway on
    /// loopback that accepts everything; one JSON line.
    Envios {
        #[arg(long, default_value_t = 2000)]
        comprobantes: usize,
        #[arg(long, default_value_t = 4)]
        concurrentes: usize,
        /// The gateway's latency per request, in milliseconds.
        #[arg(long, default_value_t = 0)]
        demora_ms: u64,
        /// Database URL, of a database without companies (the bench's senders would send theirs);
        /// a fresh SQLite file when absent.
        #[arg(long, env = "ERP_BENCH_DB")]
        db: Option<String>,
    },
    /// N POS sales of 3 lines by K concurrent clients on a fresh database; one JSON line.
    Ventas {
        /// Number of sales.
        #[arg(long, default_value_t = 5000)]
        ventas: usize,
        /// Concurrent clients (each at its own series).
        #[arg(long, default_value_t = 1)]
        clientes: usize,
        /// Database URL (`postgres://…`, a SQLite path); a fresh SQLite file when absent.
        #[arg(long, env = "ERP_BENCH_DB")]
        db: Option<String>,
        /// `motor` (the engine) or `sql` (the same writes by hand: the floor).
        #[arg(long, value_enum, default_value_t = bench::Modo::Motor)]
        modo: bench::Modo,
        /// Products in the catalogue (each sale takes 3 of them).
        #[arg(long, default_value_t = 300)]
        productos: usize,
        /// SQLite durability of the fresh file: `normal` (the shipped default) or `full`.
        #[arg(long, value_enum, default_value_t = bench::Sync::Normal)]
        sincronizacion: bench::Sync,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ERP_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli.comando {
        Comando::Serve {
            db,
            direccion,
            demo,
            secreto_jwt,
            trabajos_cada,
            envios_cada,
            envios_concurrentes,
            envio_intervalo,
            envio_intentos,
            nubefact_espera,
        } => en_runtime(servidor::servir(servidor::Configuracion {
            db,
            direccion,
            demo,
            secreto_jwt,
            trabajos_cada,
            envios_cada,
            envios_concurrentes,
            envio_intervalo,
            envio_intentos,
            nubefact_espera,
        })),
        Comando::SetupEmpresa {
            db,
            pais,
            ruc,
            razon_social,
            direccion,
            subdominio,
            email,
            password,
        } => en_runtime(async move {
            let pais: Pais = pais.parse().map_err(|e: erp_core::Error| e.to_string())?;
            let estado = servidor::Estado::abrir(&db).await?;
            let (empresa, creada) = servidor::asegurar_empresa(
                &estado,
                erp_core::empresa::NuevaEmpresa {
                    pais,
                    tipo_identificacion: None,
                    identificacion: ruc,
                    razon_social,
                    nombre_comercial: String::new(),
                    direccion,
                    moneda: None,
                    subdominio,
                    ajustes: Default::default(),
                    plan: Default::default(),
                },
            )
            .await
            .map_err(|e| e.to_string())?;
            println!(
                "empresa {} ({}): {}",
                empresa.razon_social,
                empresa.id,
                if creada { "creada" } else { "ya existía" }
            );
            match servidor::asegurar_admin(&estado, empresa.id, &email, password, "Administrador")
                .await
                .map_err(|e| e.to_string())?
            {
                Some(clave) => println!("administrador {email} creado; contraseña: {clave}"),
                None => println!("administrador {email}: ya existía"),
            }
            Ok(())
        }),
        Comando::Plan {
            db,
            pais,
            ruc,
            nombre,
            usuarios,
            modulos,
            transacciones_mes,
        } => en_runtime(async move {
            let pais: Pais = pais.parse().map_err(|e: erp_core::Error| e.to_string())?;
            let modulos = match modulos {
                None => None,
                Some(m) => Some(
                    m.iter()
                        .map(|c| {
                            erp_core::seguridad::Modulo::desde_codigo(c.trim()).ok_or_else(|| {
                                format!(
                                    "módulo '{c}' desconocido; los módulos son: {}",
                                    erp_core::seguridad::Modulo::TODOS
                                        .map(|m| m.codigo())
                                        .join(", ")
                                )
                            })
                        })
                        .collect::<Result<_, _>>()?,
                ),
            };
            let estado = servidor::Estado::abrir(&db).await?;
            let empresa =
                servidor::empresa_identificada(&estado, pais, TipoDocumentoIdentidad::Ruc, &ruc)
                    .await
                    .map_err(|e| e.to_string())?
                    .ok_or_else(|| {
                        format!(
                            "no hay una empresa de {pais:?} con RUC {ruc}: créela con setup-empresa"
                        )
                    })?;
            let plan = erp_core::seguridad::Plan {
                nombre,
                max_usuarios: usuarios,
                modulos,
                max_transacciones_mes: transacciones_mes,
            };
            let e = estado
                .motor
                .asignar_plan(empresa.id, plan)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "{}: plan {}",
                e.razon_social,
                serde_json::to_string(&e.plan).map_err(|e| e.to_string())?
            );
            Ok(())
        }),
        Comando::SeedPermisos { db } => en_runtime(async move {
            let estado = servidor::Estado::abrir(&db).await?;
            for e in erp_core::Store::listar_empresas(estado.motor.store())
                .await
                .map_err(|e| e.to_string())?
            {
                let roles = estado
                    .motor
                    .seed_permisos(e.id)
                    .await
                    .map_err(|e| e.to_string())?;
                println!("{}: {} roles al día", e.razon_social, roles.len());
            }
            Ok(())
        }),
        Comando::Bench {
            cual:
                Bench::Ventas {
                    ventas,
                    clientes,
                    db,
                    modo,
                    productos,
                    sincronizacion,
                },
        } => en_runtime(async move {
            let o = bench::Opciones {
                ventas,
                clientes,
                db,
                modo,
                productos,
                sincronizacion,
            };
            println!("{}", bench::ventas(o).await?);
            Ok(())
        }),
        Comando::Bench {
            cual:
                Bench::Envios {
                    comprobantes,
                    concurrentes,
                    demora_ms,
                    db,
                },
        } => en_runtime(async move {
            println!(
                "{}",
                bench::envios(comprobantes, concurrentes, demora_ms, db).await?
            );
            Ok(())
        }),
        Comando::Calcular { pretty } => calcular(pretty),
        Comando::ValidarDocumento {
            pais,
            tipo,
            numero,
            json,
        } => validar_documento(&pais, &tipo, &numero, json),
    }
}

/// Runs a command's future on a multi-threaded runtime; an error is printed, exit code 1.
fn en_runtime(f: impl std::future::Future<Output = Result<(), String>>) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: no se pudo iniciar el runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(f) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn calcular(pretty: bool) -> ExitCode {
    let mut entrada = String::new();
    let leido = std::io::stdin()
        .take(MAX_ENTRADA + 1)
        .read_to_string(&mut entrada);
    let resultado = match leido {
        Err(e) => Err(erp_core::Error::sin_campo(
            erp_core::Codigo::JsonInvalido,
            format!("no se pudo leer la entrada como texto UTF-8: {e}"),
        )),
        Ok(n) if n as u64 > MAX_ENTRADA => Err(erp_core::Error::sin_campo(
            erp_core::Codigo::DocumentoDemasiadoGrande,
            format!("la entrada supera los {} MiB", MAX_ENTRADA / 1024 / 1024),
        )),
        Ok(_) => erp_core::entrada::desde_json::<erp_core::Documento>(&entrada)
            .and_then(|d| erp_core::calcular_documento(&d)),
    };
    // Serialize the structs themselves, not a `Value`, so the fields keep their documented order.
    let (texto, codigo) = match resultado {
        Ok(doc) if pretty => (serde_json::to_string_pretty(&doc), ExitCode::SUCCESS),
        Ok(doc) => (serde_json::to_string(&doc), ExitCode::SUCCESS),
        Err(e) if pretty => (serde_json::to_string_pretty(&e), ExitCode::FAILURE),
        Err(e) => (serde_json::to_string(&e), ExitCode::FAILURE),
    };
    let texto = texto.unwrap_or_default();
    let mut salida = std::io::stdout().lock();
    // A closed pipe (`erp calcular | head`) is not an error of the computation.
    let _ = writeln!(salida, "{texto}");
    codigo
}

fn validar_documento(pais: &str, tipo: &str, numero: &str, json: bool) -> ExitCode {
    let uso = |m: String| {
        eprintln!("error: {m}");
        eprintln!(
            "uso: erp validar-documento PAIS TIPO NUMERO   (p. ej. erp validar-documento PE ruc 20131312955)"
        );
        ExitCode::from(2)
    };
    let Some(pais) = Pais::desde_codigo(pais) else {
        return uso(format!("país '{pais}' desconocido; use PE o EC"));
    };
    let Some(tipo_doc) = TipoDocumentoIdentidad::desde_texto(tipo) else {
        return uso(format!(
            "tipo '{tipo}' desconocido; use ruc, dni, ce, pasaporte, cedula o consumidor_final"
        ));
    };
    if !TipoDocumentoIdentidad::de_pais(pais).contains(&tipo_doc) {
        let admitidos: Vec<String> = TipoDocumentoIdentidad::de_pais(pais)
            .iter()
            .map(|t| {
                serde_json::to_value(t)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default()
            })
            .collect();
        return uso(format!(
            "el tipo '{tipo}' no se usa en {}; use {}",
            pais.codigo(),
            admitidos.join(", ")
        ));
    }
    match erp_core::validar_identidad(pais, tipo_doc, numero) {
        Ok(doc) => {
            if json {
                let mut v = serde_json::to_value(&doc).unwrap_or_default();
                v["valido"] = serde_json::Value::Bool(true);
                println!("{v}");
            } else {
                println!(
                    "válido: {} {} ({}), {}",
                    tipo_doc.nombre(),
                    doc.numero,
                    pais.codigo(),
                    doc.clase
                );
                for a in &doc.advertencias {
                    println!("advertencia: {a}");
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            if json {
                let mut v = e.to_json();
                v["valido"] = serde_json::Value::Bool(false);
                println!("{v}");
            } else {
                println!("inválido: {}", e.mensaje());
            }
            ExitCode::FAILURE
        }
    }
}
