//! Ledger benchmarks, on a SQLite file and on PostgreSQL (`ERP_PG_URL`):
//!
//! 1. stock movements per second through the engine, next to a raw-SQL floor measured in the same
//!    run: the same rows (movement + stock row, in one transaction with the stock row locked)
//!    written by hand-written SQL on the same pool;
//! 2. stock at a date on a ledger of one million movements of one product in one warehouse;
//! 3. a backdated entry before 100,000 later movements of the same product.
//!
//! `scripts/bench kardex` runs it with a fresh PostgreSQL; by hand:
//! `ERP_PG_URL=postgres://… cargo bench -p erp-store --bench kardex`.
//! Sizes: `KARDEX_MOVIMIENTOS` (default 5000), `KARDEX_LEDGER` (1000000), `KARDEX_ATRASO` (100000).

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::sync::Arc;
use std::time::Instant;

use erp_core::empresa::{AjustesEmpresa, NuevaEmpresa};
use erp_core::inventario::kardex::{self, Saldo};
use erp_core::inventario::servicio::{NuevoAlmacen, NuevoMovimiento, NuevoProducto};
use erp_core::inventario::{TipoMovimiento, a_microsegundos};
use erp_core::{Decimal, Motor, Pais};
use erp_store::{AnyStore, IdsV7, RelojSistema};
use time::macros::datetime;
use uuid::Uuid;

type M = Motor<AnyStore>;
/// A row of the bulk loader: id, sequence, instant, kind, quantity and its valuation.
type FilaMasiva<'a> = (Uuid, i64, i64, &'a str, Decimal, kardex::Efecto);

fn tam(var: &str, defecto: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(defecto)
}

fn ruc(n: u64) -> String {
    let cuerpo = format!("20{:08}", n % 100_000_000);
    let s: u32 = cuerpo
        .chars()
        .zip([5, 4, 3, 2, 7, 6, 5, 4, 3, 2])
        .map(|(c, p)| c.to_digit(10).unwrap() * p)
        .sum();
    format!("{cuerpo}{}", (11 - s % 11) % 10)
}

struct Base {
    m: M,
    empresa: Uuid,
    almacen: Uuid,
}

async fn base(store: AnyStore) -> Base {
    let m = Motor::new(store, Arc::new(RelojSistema), Arc::new(IdsV7));
    let semilla = Uuid::now_v7().as_u128() as u64;
    let empresa = m
        .crear_empresa(NuevaEmpresa {
            pais: Pais::Peru,
            tipo_identificacion: None,
            identificacion: ruc(semilla),
            razon_social: "Bench S.A.C.".into(),
            nombre_comercial: String::new(),
            direccion: String::new(),
            moneda: None,
            subdominio: None,
            ajustes: AjustesEmpresa::default(),
            plan: Default::default(),
        })
        .await
        .unwrap()
        .id;
    let almacen = m
        .crear_almacen(
            empresa,
            None,
            NuevoAlmacen {
                nombre: "Central".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id;
    Base {
        m,
        empresa,
        almacen,
    }
}

async fn producto(b: &Base, nombre: &str) -> Uuid {
    b.m.crear_producto(
        b.empresa,
        None,
        NuevoProducto {
            nombre: nombre.into(),
            precio_venta: Decimal::from(100),
            costo: Some(Decimal::from(10)),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id
}

/// Alternating entries (10 at a varying cost) and outflows (7): the shape of a shop's ledger.
fn movimiento(i: usize, p: Uuid, a: Uuid) -> NuevoMovimiento {
    if i.is_multiple_of(2) {
        let mut m = NuevoMovimiento::new(TipoMovimiento::Entrada, p, a, Decimal::from(10));
        m.costo_unitario = Some(Decimal::new(1000 + (i % 97) as i64, 2));
        m
    } else {
        NuevoMovimiento::new(TipoMovimiento::Salida, p, a, Decimal::from(7))
    }
}

async fn por_motor(b: &Base, n: usize) -> f64 {
    let p = producto(b, "Motor").await;
    let t = Instant::now();
    for i in 0..n {
        b.m.registrar_movimiento(b.empresa, None, movimiento(i, p, b.almacen))
            .await
            .unwrap();
    }
    n as f64 / t.elapsed().as_secs_f64()
}

/// The floor: one transaction per movement that locks the stock row, computes the balance,
/// inserts the movement and updates the stock row, by hand.
async fn por_sql(b: &Base, n: usize) -> f64 {
    let p = producto(b, "SQL").await;
    let (e, a) = (b.empresa, b.almacen);
    let ahora = a_microsegundos(b.m.ahora());
    match b.m.store() {
        AnyStore::Sqlite(s) => {
            use erp_store::sqlite::compat::{self, Row as _, types::Text};
            let pool = s.pool();
            compat::query("INSERT INTO stock VALUES ($1, $2, $3, '0', '0', '0', '0', 0, 0)")
                .bind(e)
                .bind(p)
                .bind(a)
                .execute(pool)
                .await
                .unwrap();
            let t = Instant::now();
            for i in 0..n {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.unwrap();
                let fila = compat::query("SELECT cantidad, valor, costo_promedio, ultima_secuencia FROM stock WHERE empresa_id = $1 AND producto_id = $2 AND almacen_id = $3")
                    .bind(e).bind(p).bind(a).fetch_one(&mut *tx).await.unwrap();
                let leer = |i: usize| fila.try_get::<Text<Decimal>, _>(i).unwrap();
                let (c, v, pr) = (leer(0), leer(1), leer(2));
                let mv = movimiento(i, p, a);
                let saldo = Saldo {
                    cantidad: c.0,
                    valor: v.0,
                    costo_promedio: pr.0,
                };
                let valor = erp_core::dinero::redondear(
                    mv.cantidad * mv.costo_unitario.unwrap_or_default(),
                );
                let ef = kardex::aplicar(&saldo, mv.tipo, mv.cantidad, valor);
                let seq = fila.try_get::<i64, _>(3).unwrap() + 1;
                let id = Uuid::now_v7();
                compat::query("INSERT INTO movimientos_stock (empresa_id, id, secuencia, fecha_us, producto_id, almacen_id, tipo, cantidad, motivo, creado_en_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', $4)")
                    .bind(e).bind(id).bind(seq).bind(ahora + i as i64).bind(p).bind(a).bind(mv.tipo.codigo()).bind(Text(mv.cantidad))
                    .execute(&mut *tx).await.unwrap();
                compat::query("INSERT INTO kardex (empresa_id, producto_id, almacen_id, fecha_us, secuencia, movimiento_id, tipo, cantidad, costo_unitario, valor, cantidad_saldo, valor_saldo, costo_promedio_saldo) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)")
                    .bind(e).bind(p).bind(a).bind(ahora + i as i64).bind(seq).bind(id).bind(mv.tipo.codigo())
                    .bind(Text(mv.cantidad)).bind(Text(ef.costo_unitario)).bind(Text(ef.valor)).bind(Text(ef.saldo.cantidad)).bind(Text(ef.saldo.valor)).bind(Text(ef.saldo.costo_promedio))
                    .execute(&mut *tx).await.unwrap();
                compat::query("UPDATE stock SET cantidad = $4, valor = $5, costo_promedio = $6, ultima_fecha_us = $7, ultima_secuencia = $8 WHERE empresa_id = $1 AND producto_id = $2 AND almacen_id = $3")
                    .bind(e).bind(p).bind(a).bind(Text(ef.saldo.cantidad)).bind(Text(ef.saldo.valor)).bind(Text(ef.saldo.costo_promedio)).bind(ahora + i as i64).bind(seq)
                    .execute(&mut *tx).await.unwrap();
                tx.commit().await.unwrap();
            }
            n as f64 / t.elapsed().as_secs_f64()
        }
        AnyStore::Postgres(s) => {
            let pool = s.pool();
            sqlx::query("INSERT INTO stock VALUES ($1, $2, $3, 0, 0, 0, 0, 0, 0)")
                .bind(e)
                .bind(p)
                .bind(a)
                .execute(pool)
                .await
                .unwrap();
            let t = Instant::now();
            for i in 0..n {
                let mut tx = pool.begin().await.unwrap();
                let (c, v, pr, ultima): (Decimal, Decimal, Decimal, i64) = sqlx::query_as("SELECT cantidad, valor, costo_promedio, ultima_secuencia FROM stock WHERE empresa_id = $1 AND producto_id = $2 AND almacen_id = $3 FOR UPDATE")
                    .bind(e).bind(p).bind(a).fetch_one(&mut *tx).await.unwrap();
                let mv = movimiento(i, p, a);
                let saldo = Saldo {
                    cantidad: c,
                    valor: v,
                    costo_promedio: pr,
                };
                let valor = erp_core::dinero::redondear(
                    mv.cantidad * mv.costo_unitario.unwrap_or_default(),
                );
                let ef = kardex::aplicar(&saldo, mv.tipo, mv.cantidad, valor);
                // The ledger's order within the chain of this product and warehouse.
                let seq = ultima + 1;
                let id = Uuid::now_v7();
                sqlx::query("INSERT INTO movimientos_stock (empresa_id, id, secuencia, fecha_us, producto_id, almacen_id, tipo, cantidad, motivo, creado_en_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', $4)")
                    .bind(e).bind(id).bind(seq).bind(ahora + i as i64).bind(p).bind(a).bind(mv.tipo.codigo()).bind(mv.cantidad)
                    .execute(&mut *tx).await.unwrap();
                sqlx::query("INSERT INTO kardex (empresa_id, producto_id, almacen_id, fecha_us, secuencia, movimiento_id, tipo, cantidad, costo_unitario, valor, cantidad_saldo, valor_saldo, costo_promedio_saldo) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)")
                    .bind(e).bind(p).bind(a).bind(ahora + i as i64).bind(seq).bind(id).bind(mv.tipo.codigo())
                    .bind(mv.cantidad).bind(ef.costo_unitario).bind(ef.valor).bind(ef.saldo.cantidad).bind(ef.saldo.valor).bind(ef.saldo.costo_promedio)
                    .execute(&mut *tx).await.unwrap();
                sqlx::query("UPDATE stock SET cantidad = $4, valor = $5, costo_promedio = $6, ultima_fecha_us = $7, ultima_secuencia = $8 WHERE empresa_id = $1 AND producto_id = $2 AND almacen_id = $3")
                    .bind(e).bind(p).bind(a).bind(ef.saldo.cantidad).bind(ef.saldo.valor).bind(ef.saldo.costo_promedio).bind(ahora + i as i64).bind(seq)
                    .execute(&mut *tx).await.unwrap();
                tx.commit().await.unwrap();
            }
            n as f64 / t.elapsed().as_secs_f64()
        }
    }
}

/// Writes a ledger of `n` movements (one a minute from 2020-01-01) of a new product straight into
/// the tables, with the running balances the engine would have computed, and its stock row.
async fn ledger_masivo(b: &Base, nombre: &str, n: usize) -> (Uuid, i64) {
    let p = producto(b, nombre).await;
    let (e, a) = (b.empresa, b.almacen);
    let inicio = a_microsegundos(datetime!(2020-01-01 00:00 UTC));
    let mut saldo = Saldo::default();
    let mut filas = Vec::with_capacity(10_000);
    let lote = 10_000;
    let mut escritas = 0;
    while escritas < n {
        filas.clear();
        for i in escritas..(escritas + lote).min(n) {
            let mv = movimiento(i, p, a);
            let valor =
                erp_core::dinero::redondear(mv.cantidad * mv.costo_unitario.unwrap_or_default());
            let ef = kardex::aplicar(&saldo, mv.tipo, mv.cantidad, valor);
            saldo = ef.saldo;
            filas.push((
                Uuid::now_v7(),
                1_000_000_000_000 + i as i64,
                inicio + i as i64 * 60_000_000,
                mv.tipo.codigo(),
                mv.cantidad,
                ef,
            ));
        }
        match b.m.store() {
            AnyStore::Sqlite(s) => {
                use erp_store::sqlite::compat::{self, types::Text};
                let mut tx = s.pool().begin_with("BEGIN IMMEDIATE").await.unwrap();
                for (id, seq, fecha, tipo, cantidad, ef) in &filas {
                    compat::query("INSERT INTO movimientos_stock (empresa_id, id, secuencia, fecha_us, producto_id, almacen_id, tipo, cantidad, motivo, creado_en_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', $4)")
                        .bind(e).bind(id).bind(seq).bind(fecha).bind(p).bind(a).bind(*tipo).bind(Text(*cantidad))
                        .execute(&mut *tx).await.unwrap();
                    compat::query("INSERT INTO kardex (empresa_id, producto_id, almacen_id, fecha_us, secuencia, movimiento_id, tipo, cantidad, costo_unitario, valor, cantidad_saldo, valor_saldo, costo_promedio_saldo) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)")
                        .bind(e).bind(p).bind(a).bind(fecha).bind(seq).bind(id).bind(*tipo)
                        .bind(Text(*cantidad)).bind(Text(ef.costo_unitario)).bind(Text(ef.valor)).bind(Text(ef.saldo.cantidad)).bind(Text(ef.saldo.valor)).bind(Text(ef.saldo.costo_promedio))
                        .execute(&mut *tx).await.unwrap();
                }
                tx.commit().await.unwrap();
            }
            AnyStore::Postgres(s) => {
                let col = |f: fn(&FilaMasiva) -> Decimal| filas.iter().map(f).collect::<Vec<_>>();
                let ids = filas.iter().map(|f| f.0).collect::<Vec<_>>();
                let seqs = filas.iter().map(|f| f.1).collect::<Vec<_>>();
                let fechas = filas.iter().map(|f| f.2).collect::<Vec<_>>();
                let tipos = filas.iter().map(|f| f.3.to_string()).collect::<Vec<_>>();
                sqlx::query("INSERT INTO movimientos_stock (empresa_id, id, secuencia, fecha_us, producto_id, almacen_id, tipo, cantidad, motivo, creado_en_us) SELECT $1, u.id, u.seq, u.fecha, $2, $3, u.tipo, u.cantidad, '', u.fecha FROM UNNEST($4::uuid[], $5::bigint[], $6::bigint[], $7::text[], $8::numeric[]) AS u(id, seq, fecha, tipo, cantidad)")
                    .bind(e).bind(p).bind(a).bind(&ids).bind(&seqs).bind(&fechas).bind(&tipos).bind(col(|f| f.4))
                    .execute(s.pool()).await.unwrap();
                sqlx::query("INSERT INTO kardex (empresa_id, producto_id, almacen_id, fecha_us, secuencia, movimiento_id, tipo, cantidad, costo_unitario, valor, cantidad_saldo, valor_saldo, costo_promedio_saldo) SELECT $1, $2, $3, u.fecha, u.seq, u.id, u.tipo, u.cantidad, u.costo, u.valor, u.cs, u.vs, u.cp FROM UNNEST($4::uuid[], $5::bigint[], $6::bigint[], $7::text[], $8::numeric[], $9::numeric[], $10::numeric[], $11::numeric[], $12::numeric[], $13::numeric[]) AS u(id, seq, fecha, tipo, cantidad, costo, valor, cs, vs, cp)")
                    .bind(e).bind(p).bind(a).bind(&ids).bind(&seqs).bind(&fechas).bind(&tipos)
                    .bind(col(|f| f.4)).bind(col(|f| f.5.costo_unitario)).bind(col(|f| f.5.valor))
                    .bind(col(|f| f.5.saldo.cantidad)).bind(col(|f| f.5.saldo.valor)).bind(col(|f| f.5.saldo.costo_promedio))
                    .execute(s.pool()).await.unwrap();
            }
        }
        escritas += filas.len();
    }
    let ultima_fecha = inicio + (n as i64 - 1) * 60_000_000;
    let ultima_seq = 1_000_000_000_000 + n as i64 - 1;
    match b.m.store() {
        AnyStore::Sqlite(s) => {
            use erp_store::sqlite::compat::{self, types::Text};
            compat::query("INSERT INTO stock VALUES ($1, $2, $3, $4, '0', $5, $6, $7, $8)")
                .bind(e)
                .bind(p)
                .bind(a)
                .bind(Text(saldo.cantidad))
                .bind(Text(saldo.valor))
                .bind(Text(saldo.costo_promedio))
                .bind(ultima_fecha)
                .bind(ultima_seq)
                .execute(s.pool())
                .await
                .unwrap();
        }
        AnyStore::Postgres(s) => {
            sqlx::query("INSERT INTO stock VALUES ($1, $2, $3, $4, 0, $5, $6, $7, $8)")
                .bind(e)
                .bind(p)
                .bind(a)
                .bind(saldo.cantidad)
                .bind(saldo.valor)
                .bind(saldo.costo_promedio)
                .bind(ultima_fecha)
                .bind(ultima_seq)
                .execute(s.pool())
                .await
                .unwrap();
            sqlx::query("ANALYZE movimientos_stock, kardex")
                .execute(s.pool())
                .await
                .unwrap();
        }
    }
    (p, inicio)
}

fn percentil(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

async fn correr(nombre: &str, store: AnyStore) {
    let n = tam("KARDEX_MOVIMIENTOS", 5000);
    let grande = tam("KARDEX_LEDGER", 1_000_000);
    let atraso = tam("KARDEX_ATRASO", 100_000);
    let b = base(store).await;

    // 1. Movements per second, engine and floor, alternated to share the machine's state.
    por_motor(&b, n / 10).await;
    let floor = por_sql(&b, n).await;
    let motor = por_motor(&b, n).await;
    println!(
        "{{\"bench\":\"movimientos\",\"db\":\"{nombre}\",\"movimientos\":{n},\"motor_por_s\":{motor:.0},\"sql_por_s\":{floor:.0},\"razon\":{:.2}}}",
        motor / floor
    );

    // 2. Stock at a date on a ledger of `grande` movements.
    let t = Instant::now();
    let (p, inicio) = ledger_masivo(&b, "Grande", grande).await;
    let carga = t.elapsed().as_secs_f64();
    let mut tiempos = Vec::with_capacity(1000);
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..1000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let minuto = (x % grande as u64) as i64;
        let instante =
            erp_core::inventario::desde_microsegundos(inicio + minuto * 60_000_000 + 30_000_000);
        let t = Instant::now();
        let r =
            b.m.stock_a_fecha(b.empresa, p, Some(b.almacen), instante)
                .await
                .unwrap();
        tiempos.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(r[0].cantidad >= Decimal::ZERO);
    }
    let (p50, p99) = (percentil(&mut tiempos, 0.5), percentil(&mut tiempos, 0.99));
    println!(
        "{{\"bench\":\"stock_a_fecha\",\"db\":\"{nombre}\",\"ledger\":{grande},\"carga_s\":{carga:.1},\"consultas\":1000,\"p50_ms\":{p50:.3},\"p99_ms\":{p99:.3}}}"
    );

    // 3. A backdated entry before `atraso` later movements.
    let (p, inicio) = ledger_masivo(&b, "Atrasado", atraso).await;
    let mut mv = NuevoMovimiento::new(TipoMovimiento::Entrada, p, b.almacen, Decimal::from(50));
    mv.costo_unitario = Some(Decimal::new(1999, 2));
    mv.fecha = Some(erp_core::inventario::desde_microsegundos(
        inicio - 60_000_000,
    ));
    let t = Instant::now();
    b.m.registrar_movimiento(b.empresa, None, mv).await.unwrap();
    let s = t.elapsed().as_secs_f64();
    println!(
        "{{\"bench\":\"entrada_atrasada\",\"db\":\"{nombre}\",\"movimientos_posteriores\":{atraso},\"segundos\":{s:.3}}}"
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `cargo test --benches` runs bench binaries with `--bench` absent: do nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("erp-bench-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = AnyStore::abrir(&format!("sqlite://{}/erp.db", dir.display()))
        .await
        .unwrap();
    correr("sqlite", sqlite).await;
    let _ = std::fs::remove_dir_all(&dir);
    match std::env::var("ERP_PG_URL") {
        Ok(url) => correr("postgres", AnyStore::abrir(&url).await.unwrap()).await,
        Err(_) => println!("{{\"aviso\":\"ERP_PG_URL no definido: sin cifras de PostgreSQL\"}}"),
    }
}
