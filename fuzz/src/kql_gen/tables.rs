//! The tables every generated query can read: `T` with a column of each KQL
//! type (nulls and boundary values included) and `U`, a narrower one. Both
//! are written as datatables, run once through the engine and registered as
//! in-memory tables of two partitions, `T`'s datetimes in microseconds.

use super::values::Ty::{self, B, D, I, L, R, S, T, Y};

pub const T_COLS: &[(&str, Ty)] = &[("b", B), ("i", I), ("l", L), ("r", R), ("s", S), ("d", D), ("t", T), ("y", Y)];

pub const T_ROWS: &[&str] = &[
    "true, int(1), 1, 1.5, \"a\", datetime(2024-01-01), 1d, dynamic([1,2])",
    "false, int(-1), -1, -2.25, \"Straße\", datetime(2024-02-29 12:00:00), 1h, dynamic({\"a\":1,\"b\":\"x\"})",
    "bool(null), int(null), long(null), real(null), \"\", datetime(null), timespan(null), dynamic(null)",
    "true, int(2147483647), 9223372036854775807, real(nan), \"İstanbul σς\", datetime(2262-04-11), 106751d, dynamic([\"a\",\"b\",\"a\"])",
    "false, int(-2147483648), long(-9223372036854775808), real(-inf), \"A b-c\", datetime(1677-09-22), -106751d, dynamic({\"a\":{\"b\":[1,2]}})",
    "true, int(0), 0, 0.0, \"10.0.0.1\", datetime(1970-01-01), 0s, dynamic([])",
    "false, int(7), 42, 1e308, \"a,b,c\", datetime(2024-01-01), 30m, dynamic(\"s\")",
    "true, int(1), 1, 1.5, \"a\", datetime(2024-01-01), 1d, dynamic([1,2])",
];

pub const U_COLS: &[(&str, Ty)] = &[("l", L), ("s", S), ("r", R)];

pub const U_ROWS: &[&str] =
    &["1, \"a\", 0.5", "2, \"b\", real(+inf)", "long(null), \"\", real(null)", "42, \"ΟΔΟΣ\", -0.0", "1, \"A\", 2.5"];

/// `datatable(...)[...]` of a table.
pub fn datatable(cols: &[(&str, Ty)], rows: &[&str]) -> String {
    let schema: Vec<String> = cols.iter().map(|(n, t)| format!("{n}:{}", t.name())).collect();
    format!("datatable({})[{}]", schema.join(", "), rows.join(",\n"))
}

/// The columns as the generator's scope.
pub fn cols(cols: &[(&str, Ty)]) -> Vec<(String, Ty)> {
    cols.iter().map(|(n, t)| (n.to_string(), *t)).collect()
}
