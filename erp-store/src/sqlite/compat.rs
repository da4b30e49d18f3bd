//! A small in-thread SQLite driver over rusqlite with the shape of the part of sqlx the store's
//! queries use (`query(..).bind(..).fetch_*`, `query_scalar`, `QueryBuilder`, rows read by name or
//! position, `Text<Decimal>`), so that the SQL written once in `comun.rs` serves SQLite unchanged.
//!
//! Why not sqlx's own SQLite driver: it runs each connection on a worker thread and hands every
//! statement over a channel; on this 2-core machine those thread hand-offs took half of a sale's
//! time (perf: `futex`/`flume` wake-ups dwarfed `sqlite3VdbeExec`). Here a statement runs on the
//! calling thread. The futures complete without waiting, so a unit of work runs from `BEGIN` to
//! `COMMIT` in one poll as long as the caller awaits nothing else in between (the engine's flows
//! do not): the write lock is then never held by a suspended task. A second writer blocks its
//! runtime thread in SQLite's busy timeout (30 s at most) while the first finishes.

use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use rusqlite::types::{ToSqlOutput, ValueRef};
use uuid::Uuid;

/// The marker type standing for the database in generic signatures.
pub struct Sqlite;

pub mod types {
    /// A value stored as text (decimals: exact, unlike SQLite's NUMERIC).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Text<T>(pub T);
}

/// Errors of the driver.
#[derive(Debug)]
pub enum Error {
    Sqlite(rusqlite::Error),
    Decodificar(String),
    Columna(String),
    /// The values bound do not match the statement's parameters (a bug of the query, not data).
    Parametros(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(e) => write!(f, "{e}"),
            Self::Decodificar(m) => write!(f, "valor ilegible: {m}"),
            Self::Columna(c) => write!(f, "no hay columna {c}"),
            Self::Parametros(m) => write!(f, "parámetros mal enlazados: {m}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sqlite(e)
    }
}

impl Error {
    fn codigo_extendido(&self) -> Option<(i32, String)> {
        match self {
            Self::Sqlite(rusqlite::Error::SqliteFailure(f, m)) => {
                Some((f.extended_code, m.clone().unwrap_or_default()))
            }
            _ => None,
        }
    }

    /// The message of a uniqueness violation, when this is one.
    pub fn unico(&self) -> Option<String> {
        // SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY
        self.codigo_extendido()
            .filter(|(c, _)| *c == 2067 || *c == 1555)
            .map(|(_, m)| m)
    }

    pub fn foraneo(&self) -> bool {
        // SQLITE_CONSTRAINT_FOREIGNKEY
        self.codigo_extendido().is_some_and(|(c, _)| c == 787)
    }
}

/// An owned SQLite value.
#[derive(Debug, Clone, PartialEq)]
pub enum Valor {
    Nulo,
    Entero(i64),
    Real(f64),
    Texto(String),
    Blob(Vec<u8>),
}

impl rusqlite::ToSql for Valor {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Self::Nulo => ToSqlOutput::Borrowed(ValueRef::Null),
            Self::Entero(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Self::Real(r) => ToSqlOutput::Borrowed(ValueRef::Real(*r)),
            Self::Texto(t) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
            Self::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

impl From<ValueRef<'_>> for Valor {
    fn from(v: ValueRef<'_>) -> Self {
        match v {
            ValueRef::Null => Self::Nulo,
            ValueRef::Integer(i) => Self::Entero(i),
            ValueRef::Real(r) => Self::Real(r),
            ValueRef::Text(t) => Self::Texto(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Self::Blob(b.to_vec()),
        }
    }
}

/// A value that can be bound to a parameter.
pub trait Encode {
    fn valor(&self) -> Valor;
}

impl<T: Encode + ?Sized> Encode for &T {
    fn valor(&self) -> Valor {
        (**self).valor()
    }
}

impl<T: Encode> Encode for Option<T> {
    fn valor(&self) -> Valor {
        self.as_ref().map_or(Valor::Nulo, Encode::valor)
    }
}

impl Encode for str {
    fn valor(&self) -> Valor {
        Valor::Texto(self.to_string())
    }
}

impl Encode for String {
    fn valor(&self) -> Valor {
        Valor::Texto(self.clone())
    }
}

impl Encode for i64 {
    fn valor(&self) -> Valor {
        Valor::Entero(*self)
    }
}

impl Encode for i32 {
    fn valor(&self) -> Valor {
        Valor::Entero(i64::from(*self))
    }
}

impl Encode for bool {
    fn valor(&self) -> Valor {
        Valor::Entero(i64::from(*self))
    }
}

impl Encode for f64 {
    fn valor(&self) -> Valor {
        Valor::Real(*self)
    }
}

impl Encode for Uuid {
    fn valor(&self) -> Valor {
        Valor::Blob(self.as_bytes().to_vec())
    }
}

impl Encode for time::Date {
    fn valor(&self) -> Valor {
        Valor::Texto(erp_core::entrada::formatear_fecha(*self))
    }
}

impl Encode for types::Text<rust_decimal::Decimal> {
    fn valor(&self) -> Valor {
        Valor::Texto(self.0.to_string())
    }
}

/// A value that can be read from a column.
pub trait Decode: Sized {
    fn de(v: &Valor) -> Result<Self, Error>;
}

fn ilegible<T>(v: &Valor, que: &str) -> Result<T, Error> {
    Err(Error::Decodificar(format!("{v:?} no es {que}")))
}

impl<T: Decode> Decode for Option<T> {
    fn de(v: &Valor) -> Result<Self, Error> {
        match v {
            Valor::Nulo => Ok(None),
            otro => T::de(otro).map(Some),
        }
    }
}

impl Decode for String {
    fn de(v: &Valor) -> Result<Self, Error> {
        match v {
            Valor::Texto(t) => Ok(t.clone()),
            otro => ilegible(otro, "texto"),
        }
    }
}

impl Decode for i64 {
    fn de(v: &Valor) -> Result<Self, Error> {
        match v {
            Valor::Entero(i) => Ok(*i),
            otro => ilegible(otro, "un entero"),
        }
    }
}

impl Decode for i32 {
    fn de(v: &Valor) -> Result<Self, Error> {
        match v {
            Valor::Entero(i) => {
                i32::try_from(*i).map_err(|_| Error::Decodificar(format!("{i} excede i32")))
            }
            otro => ilegible(otro, "un entero"),
        }
    }
}

impl Decode for bool {
    fn de(v: &Valor) -> Result<Self, Error> {
        match v {
            Valor::Entero(i) => Ok(*i != 0),
            otro => ilegible(otro, "un booleano"),
        }
    }
}

impl Decode for Uuid {
    fn de(v: &Valor) -> Result<Self, Error> {
        match v {
            Valor::Blob(b) => Uuid::from_slice(b).map_err(|e| Error::Decodificar(e.to_string())),
            Valor::Texto(t) => Uuid::parse_str(t).map_err(|e| Error::Decodificar(e.to_string())),
            otro => ilegible(otro, "un uuid"),
        }
    }
}

impl Decode for time::Date {
    fn de(v: &Valor) -> Result<Self, Error> {
        match v {
            Valor::Texto(t) => erp_core::entrada::parse_fecha(t).map_err(Error::Decodificar),
            otro => ilegible(otro, "una fecha"),
        }
    }
}

impl Decode for types::Text<rust_decimal::Decimal> {
    fn de(v: &Valor) -> Result<Self, Error> {
        use std::str::FromStr;
        match v {
            Valor::Texto(t) => rust_decimal::Decimal::from_str(t)
                .map(types::Text)
                .map_err(|e| Error::Decodificar(format!("{t}: {e}"))),
            Valor::Entero(i) => Ok(types::Text(rust_decimal::Decimal::from(*i))),
            otro => ilegible(otro, "un decimal"),
        }
    }
}

/// A column, by name or position.
pub trait Indice {
    fn posicion(&self, columnas: &[String]) -> Result<usize, Error>;
}

impl Indice for usize {
    fn posicion(&self, columnas: &[String]) -> Result<usize, Error> {
        if *self < columnas.len() {
            Ok(*self)
        } else {
            Err(Error::Columna(self.to_string()))
        }
    }
}

impl Indice for i32 {
    fn posicion(&self, columnas: &[String]) -> Result<usize, Error> {
        usize::try_from(*self)
            .map_err(|_| Error::Columna(self.to_string()))
            .and_then(|i| i.posicion(columnas))
    }
}

impl Indice for &str {
    fn posicion(&self, columnas: &[String]) -> Result<usize, Error> {
        columnas
            .iter()
            .position(|c| c == self)
            .ok_or_else(|| Error::Columna((*self).to_string()))
    }
}

/// A row of a result.
pub struct Fila {
    columnas: Arc<[String]>,
    valores: Vec<Valor>,
}

/// Reading a column of a row, as with sqlx's `Row`.
pub trait Row {
    fn try_get<T: Decode, I: Indice>(&self, i: I) -> Result<T, Error>;
}

impl Row for Fila {
    fn try_get<T: Decode, I: Indice>(&self, i: I) -> Result<T, Error> {
        let p = i.posicion(&self.columnas)?;
        T::de(&self.valores[p])
    }
}

/// What executing a statement reports.
pub struct Hecho {
    filas: u64,
}

impl Hecho {
    pub fn rows_affected(&self) -> u64 {
        self.filas
    }
}

// --- Connections and the pool -----------------------------------------------------------------

/// An open connection.
pub struct Conexion(pub(super) rusqlite::Connection);

pub(super) struct Interior {
    pub(super) libres: Mutex<Vec<rusqlite::Connection>>,
    pub(super) abrir: Box<dyn Fn() -> rusqlite::Result<rusqlite::Connection> + Send + Sync>,
    pub(super) max_libres: usize,
    /// A temporary database file to remove when the store goes (the `sqlite::memory:` case).
    pub(super) temporal: Option<std::path::PathBuf>,
}

impl Drop for Interior {
    fn drop(&mut self) {
        if let Some(ruta) = &self.temporal {
            if let Ok(mut l) = self.libres.lock() {
                l.clear();
            }
            for sufijo in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{sufijo}", ruta.display()));
            }
        }
    }
}

/// Connections to one database file, opened on demand and kept for reuse.
#[derive(Clone)]
pub struct Pool(pub(super) Arc<Interior>);

impl Pool {
    pub(super) fn tomar(&self) -> Result<rusqlite::Connection, Error> {
        let libre = self.0.libres.lock().ok().and_then(|mut l| l.pop());
        match libre {
            Some(c) => Ok(c),
            None => Ok((self.0.abrir)()?),
        }
    }

    /// Keeps a connection for reuse, unless it is still inside a transaction (its `ROLLBACK`
    /// failed): then it is closed, which rolls back.
    pub(super) fn devolver(&self, c: rusqlite::Connection) {
        if !c.is_autocommit() {
            return;
        }
        if let Ok(mut l) = self.0.libres.lock()
            && l.len() < self.0.max_libres
        {
            l.push(c);
        }
    }

    /// Opens a transaction (`BEGIN`, `BEGIN IMMEDIATE`…).
    pub async fn begin_with(&self, sql: &str) -> Result<Transaction, Error> {
        let c = self.tomar()?;
        if let Err(e) = c.execute_batch(sql) {
            self.devolver(c);
            return Err(e.into());
        }
        Ok(Transaction {
            con: Some(Conexion(c)),
            pool: self.clone(),
        })
    }
}

/// A transaction on a pooled connection; dropped without `commit`, it rolls back.
pub struct Transaction {
    con: Option<Conexion>,
    pool: Pool,
}

impl Transaction {
    pub async fn commit(mut self) -> Result<(), Error> {
        if let Some(c) = self.con.take() {
            let r = c.0.execute_batch("COMMIT");
            if r.is_err() {
                let _ = c.0.execute_batch("ROLLBACK");
            }
            self.pool.devolver(c.0);
            r?;
        }
        Ok(())
    }
}

impl Drop for Transaction {
    fn drop(&mut self) {
        if let Some(c) = self.con.take() {
            if !c.0.is_autocommit() {
                let _ = c.0.execute_batch("ROLLBACK");
            }
            self.pool.devolver(c.0);
        }
    }
}

impl std::ops::Deref for Transaction {
    type Target = Conexion;
    fn deref(&self) -> &Conexion {
        // Present until commit or drop, which consume the transaction.
        self.con
            .as_ref()
            .unwrap_or_else(|| unreachable!("transacción ya cerrada"))
    }
}

impl std::ops::DerefMut for Transaction {
    fn deref_mut(&mut self) -> &mut Conexion {
        self.con
            .as_mut()
            .unwrap_or_else(|| unreachable!("transacción ya cerrada"))
    }
}

/// Where a statement runs: a connection of a transaction, or any connection of the pool.
pub trait Executor<'e> {
    type Database;
    fn con<R>(self, f: impl FnOnce(&rusqlite::Connection) -> Result<R, Error>) -> Result<R, Error>;
}

impl<'e> Executor<'e> for &'e mut Conexion {
    type Database = Sqlite;
    fn con<R>(self, f: impl FnOnce(&rusqlite::Connection) -> Result<R, Error>) -> Result<R, Error> {
        f(&self.0)
    }
}

impl<'e> Executor<'e> for &'e Pool {
    type Database = Sqlite;
    fn con<R>(self, f: impl FnOnce(&rusqlite::Connection) -> Result<R, Error>) -> Result<R, Error> {
        let c = self.tomar()?;
        let r = f(&c);
        self.devolver(c);
        r
    }
}

// --- Statements -----------------------------------------------------------------------------

fn enlazar(
    st: &mut rusqlite::CachedStatement<'_>,
    args: &[Valor],
    posicional: bool,
) -> Result<(), Error> {
    // Every value has its place and every place its value, as PostgreSQL demands: a value bound
    // to a slot that is not its own would store wrong data silently.
    if args.len() != st.parameter_count() {
        return Err(Error::Parametros(format!(
            "{} valores para {} parámetros",
            args.len(),
            st.parameter_count()
        )));
    }
    for (i, v) in args.iter().enumerate() {
        let n = i + 1;
        // `$N` is a named parameter in SQLite (numbered by first use); `?N` (what the builder
        // writes) is positional.
        let pos = if posicional {
            n
        } else {
            st.parameter_index(&format!("${n}"))?
                .ok_or_else(|| Error::Parametros(format!("la consulta no usa ${n}")))?
        };
        st.raw_bind_parameter(pos, v)?;
    }
    Ok(())
}

fn ejecutar(c: &rusqlite::Connection, q: &Query) -> Result<Hecho, Error> {
    let mut st = c.prepare_cached(&q.sql)?;
    enlazar(&mut st, &q.args, q.posicional)?;
    let filas = st.raw_execute()?;
    Ok(Hecho {
        filas: filas as u64,
    })
}

fn consultar(
    c: &rusqlite::Connection,
    q: &Query,
    limite: Option<usize>,
) -> Result<Vec<Fila>, Error> {
    let mut st = c.prepare_cached(&q.sql)?;
    enlazar(&mut st, &q.args, q.posicional)?;
    let columnas: Arc<[String]> = st.column_names().iter().map(|s| s.to_string()).collect();
    let n = columnas.len();
    let mut filas = Vec::new();
    let mut rows = st.raw_query();
    while let Some(r) = rows.next()? {
        let mut valores = Vec::with_capacity(n);
        for i in 0..n {
            valores.push(Valor::from(r.get_ref(i)?));
        }
        filas.push(Fila {
            columnas: columnas.clone(),
            valores,
        });
        if limite.is_some_and(|l| filas.len() >= l) {
            break;
        }
    }
    Ok(filas)
}

/// A statement with its arguments.
pub struct Query {
    sql: std::borrow::Cow<'static, str>,
    args: Vec<Valor>,
    /// Parameters written `?N` by the builder rather than `$N`.
    posicional: bool,
}

pub fn query(sql: &'static str) -> Query {
    Query {
        sql: std::borrow::Cow::Borrowed(sql),
        args: Vec::new(),
        posicional: false,
    }
}

/// Runs a batch of statements without arguments (migrations).
pub fn raw_sql(sql: &'static str) -> RawSql {
    RawSql(sql)
}

pub struct RawSql(&'static str);

impl RawSql {
    pub async fn execute<'e, E: Executor<'e>>(self, e: E) -> Result<Hecho, Error> {
        e.con(|c| c.execute_batch(self.0).map_err(Error::from))?;
        Ok(Hecho { filas: 0 })
    }
}

impl Query {
    pub fn bind<T: Encode>(mut self, v: T) -> Self {
        self.args.push(v.valor());
        self
    }

    pub async fn execute<'e, E: Executor<'e>>(self, e: E) -> Result<Hecho, Error> {
        e.con(|c| ejecutar(c, &self))
    }

    pub async fn fetch_all<'e, E: Executor<'e>>(self, e: E) -> Result<Vec<Fila>, Error> {
        e.con(|c| consultar(c, &self, None))
    }

    pub async fn fetch_optional<'e, E: Executor<'e>>(self, e: E) -> Result<Option<Fila>, Error> {
        e.con(|c| consultar(c, &self, Some(1)))
            .map(|f| f.into_iter().next())
    }

    pub async fn fetch_one<'e, E: Executor<'e>>(self, e: E) -> Result<Fila, Error> {
        self.fetch_optional(e)
            .await?
            .ok_or(Error::Sqlite(rusqlite::Error::QueryReturnedNoRows))
    }

    /// The rows as a stream (read at once: the statement runs on this thread anyway).
    pub fn fetch<'e, E: Executor<'e>>(
        self,
        e: E,
    ) -> futures_util::stream::Iter<std::vec::IntoIter<Result<Fila, Error>>> {
        let filas = match e.con(|c| consultar(c, &self, None)) {
            Ok(f) => f.into_iter().map(Ok).collect::<Vec<_>>(),
            Err(err) => vec![Err(err)],
        };
        futures_util::stream::iter(filas)
    }
}

/// A statement whose first column of the first row is the answer.
pub struct QueryScalar<T> {
    q: Query,
    _t: PhantomData<T>,
}

pub fn query_scalar<T: Decode>(sql: &'static str) -> QueryScalar<T> {
    QueryScalar {
        q: query(sql),
        _t: PhantomData,
    }
}

impl<T: Decode> QueryScalar<T> {
    pub fn bind<V: Encode>(mut self, v: V) -> Self {
        self.q = self.q.bind(v);
        self
    }

    pub async fn fetch_one<'e, E: Executor<'e>>(self, e: E) -> Result<T, Error> {
        self.q.fetch_one(e).await?.try_get(0usize)
    }

    pub async fn fetch_optional<'e, E: Executor<'e>>(self, e: E) -> Result<Option<T>, Error> {
        match self.q.fetch_optional(e).await? {
            Some(f) => f.try_get(0usize).map(Some),
            None => Ok(None),
        }
    }
}

/// Builds a statement piece by piece; `push_bind` adds a positional parameter.
pub struct QueryBuilder<DB> {
    sql: String,
    args: Vec<Valor>,
    _db: PhantomData<DB>,
}

impl<DB> QueryBuilder<DB> {
    pub fn new(inicio: impl Into<String>) -> Self {
        Self {
            sql: inicio.into(),
            args: Vec::new(),
            _db: PhantomData,
        }
    }

    pub fn push(&mut self, s: impl fmt::Display) -> &mut Self {
        use fmt::Write as _;
        let _ = write!(self.sql, "{s}");
        self
    }

    pub fn push_bind<T: Encode>(&mut self, v: T) -> &mut Self {
        self.args.push(v.valor());
        let n = self.args.len();
        self.push(format_args!("?{n}"))
    }

    pub fn separated(&mut self, separador: &'static str) -> Separated<'_, DB> {
        Separated {
            qb: self,
            separador,
            primero: true,
        }
    }

    pub fn build(&mut self) -> Query {
        Query {
            sql: std::borrow::Cow::Owned(self.sql.clone()),
            args: std::mem::take(&mut self.args),
            posicional: true,
        }
    }

    pub fn build_query_scalar<T: Decode>(&mut self) -> QueryScalar<T> {
        QueryScalar {
            q: self.build(),
            _t: PhantomData,
        }
    }
}

/// Items pushed with a separator between them.
pub struct Separated<'a, DB> {
    qb: &'a mut QueryBuilder<DB>,
    separador: &'static str,
    primero: bool,
}

impl<DB> Separated<'_, DB> {
    fn separar(&mut self) {
        if !self.primero {
            self.qb.push(self.separador);
        }
        self.primero = false;
    }

    pub fn push(&mut self, s: impl fmt::Display) -> &mut Self {
        self.separar();
        self.qb.push(s);
        self
    }

    pub fn push_bind<T: Encode>(&mut self, v: T) -> &mut Self {
        self.separar();
        self.qb.push_bind(v);
        self
    }

    pub fn push_unseparated(&mut self, s: impl fmt::Display) -> &mut Self {
        self.qb.push(s);
        self
    }

    pub fn push_bind_unseparated<T: Encode>(&mut self, v: T) -> &mut Self {
        self.qb.push_bind(v);
        self
    }
}
