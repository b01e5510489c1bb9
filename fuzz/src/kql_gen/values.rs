//! KQL types and literal values for the query generator: ordinary values,
//! boundary values (long and int limits, NaN and infinities, datetimes at
//! 0001/9999 and at the edges of Arrow's nanosecond range, huge timespans),
//! nulls and non-ASCII text.

use libfuzzer_sys::arbitrary::{Result, Unstructured};

/// A KQL scalar type the generator produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    B,
    I,
    L,
    R,
    S,
    D,
    T,
    Y,
}

pub const ALL_TYPES: &[Ty] = &[Ty::B, Ty::I, Ty::L, Ty::R, Ty::S, Ty::D, Ty::T, Ty::Y];

impl Ty {
    /// The type's name in `datatable(...)` and function parameters.
    pub fn name(self) -> &'static str {
        match self {
            Ty::B => "bool",
            Ty::I => "int",
            Ty::L => "long",
            Ty::R => "real",
            Ty::S => "string",
            Ty::D => "datetime",
            Ty::T => "timespan",
            Ty::Y => "dynamic",
        }
    }

    /// Whether `sort by` takes a column of this type as it is.
    pub fn sortable(self) -> bool {
        self != Ty::Y
    }

    pub fn numeric(self) -> bool {
        matches!(self, Ty::I | Ty::L | Ty::R)
    }
}

/// A generated piece of KQL and whether a boundary value flows into it.
#[derive(Debug, Clone)]
pub struct X {
    pub s: String,
    pub edge: bool,
}

impl X {
    pub fn new(s: impl Into<String>, edge: bool) -> X {
        X { s: s.into(), edge }
    }
}

/// Ordinary values, then boundary values, per type.
fn table(ty: Ty) -> (&'static [&'static str], &'static [&'static str]) {
    match ty {
        Ty::B => (&["true", "false", "bool(null)"], &[]),
        Ty::I => (&["int(0)", "int(1)", "int(-1)", "int(7)", "int(null)"], &["int(2147483647)", "int(-2147483648)"]),
        Ty::L => (
            &["0", "1", "-1", "2", "3", "42", "-7", "1000", "long(null)"],
            &["9223372036854775807", "long(-9223372036854775808)", "4294967296", "-9223372036854775807"],
        ),
        Ty::R => (
            &["0.0", "1.5", "-2.25", "0.1", "3.0", "real(null)", "-0.0"],
            &["real(nan)", "real(+inf)", "real(-inf)", "1e308", "-1e308", "5e-324", "9.2233720368547758e18"],
        ),
        Ty::S => (
            &[
                "\"\"",
                "\"a\"",
                "\"abc\"",
                "\"A b-c\"",
                "\"Straße\"",
                "\"İstanbul\"",
                "\"ΟΔΟΣ σς\"",
                "\"e\u{301}te\u{301}\"",
                "\"日本語\"",
                "\"😀x\"",
                "\"a,b,c\"",
                "\"key=value\"",
                "\"10.0.0.1\"",
                "\"192.168.1.300\"",
                "\"http://u:p@host:8080/p/a.txt?q=1#f\"",
                "@\"C:\\Windows\\cmd.exe\"",
                "\" pad \"",
                "\"123\"",
                "\"-5\"",
                "\"1.5\"",
                "\"2024-01-01\"",
                "\"1.02:03:04\"",
                "'{\"a\":1,\"b\":[2,3]}'",
                "\"[1,2]\"",
                "\"YWJj\"",
                "\"a%20b\"",
                "\"x.y.z\"",
                "\"cmd.exe /c \\\"a b\\\" c\"",
            ],
            &["\"\u{212A}elvin\"", "\"\u{212A}\""],
        ),
        Ty::D => (
            &[
                "datetime(2024-01-01)",
                "datetime(2024-02-29 12:34:56.789)",
                "datetime(2024-01-01 00:00:00.0000005)",
                "datetime(1970-01-01)",
                "datetime(2025-12-31 23:59:59)",
                "datetime(2001-09-09 01:46:40)",
                "datetime(null)",
            ],
            &[
                "datetime(0001-01-01)",
                "datetime(9999-12-31 23:59:59.9999999)",
                "datetime(1677-09-21 00:12:43.145224192)",
                "datetime(2262-04-11 23:47:16.854775807)",
                "datetime(1677-09-22)",
                "datetime(2262-04-10)",
            ],
        ),
        Ty::T => (
            &["1d", "1h", "30m", "10s", "1ms", "0s", "-1d", "1tick", "timespan(null)", "7d", "90d"],
            &["106751d", "-106751d", "3650000d", "timespan(10675199.02:48:05.4775807)", "36500d"],
        ),
        Ty::Y => (
            &[
                "dynamic(null)",
                "dynamic([])",
                "dynamic({})",
                "dynamic([1,2,3])",
                "dynamic([\"a\",\"b\",\"a\"])",
                "dynamic({\"a\":1,\"b\":\"x\"})",
                "dynamic({\"a\":{\"b\":[1,2]},\"c\":null})",
                "dynamic([1,\"a\",null,2.5,true])",
                "dynamic(1)",
                "dynamic(\"s\")",
                "dynamic([[1],[2,3]])",
            ],
            &["dynamic([9223372036854775807,-9223372036854775808])", "dynamic({\"K\":\"\u{212A}\"})"],
        ),
    }
}

/// A literal of `ty`: mostly ordinary values, sometimes a boundary value.
pub fn literal(u: &mut Unstructured, ty: Ty) -> Result<X> {
    let (plain, edges) = table(ty);
    if !edges.is_empty() && u.ratio(1, 4)? {
        return Ok(X::new(*u.choose(edges)?, true));
    }
    Ok(X::new(*u.choose(plain)?, false))
}
