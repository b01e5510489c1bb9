//! One streaming-API record parsed in a single pass.
//!
//! The record's members are visited in the order they come. The streaming
//! API writes `category` before `properties`, so by the time `properties`
//! comes the table is known and its columns are filled as they are parsed.
//! When `properties` comes first it is kept as raw text and read once the
//! whole record is known ([`Tables::fill`]).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::column::{self, Cell, Kind};
use crate::batch::Row;
use crate::sink::{FileSink, TableId};
use crate::sources::json_scan::needs_escape;

/// The category prefix of advanced-hunting records.
pub const PREFIX: &str = "AdvancedHunting-";

/// How many property names a table remembers the order of.
const MAX_ORDER: usize = 512;

/// Column positions of one table, looked up once per file.
pub struct TableCols {
    /// The table.
    pub id: TableId,
    by_name: HashMap<String, (usize, Kind)>,
    /// The property names of the last record, in order, with their
    /// columns: records of a table list their properties in the same
    /// order, so a name is mostly checked against the one expected at its
    /// place instead of being hashed.
    order: Vec<Seen>,
    /// `TimeGenerated`, filled when the record does not carry it.
    pub time_generated: Option<usize>,
    /// `Timestamp`, its fallback.
    pub timestamp: Option<usize>,
}

impl TableCols {
    fn new(id: TableId, out: &FileSink<'_, '_>) -> TableCols {
        let schema = out.builder(id).schema();
        let by_name: HashMap<String, (usize, Kind)> =
            schema.fields().iter().enumerate().map(|(i, f)| (f.name().clone(), (i, Kind::of(f.data_type())))).collect();
        let pos = |n: &str| by_name.get(n).map(|c| c.0);
        TableCols { id, time_generated: pos("TimeGenerated"), timestamp: pos("Timestamp"), by_name, order: Vec::new() }
    }

    /// The column of the property `key`, the `nth` of its record.
    pub(super) fn column(&mut self, nth: usize, key: &str) -> Option<(usize, Kind)> {
        if let Some(seen) = self.order.get(nth)
            && seen.key == key
        {
            return seen.col;
        }
        let col = self.by_name.get(key).copied();
        let seen = || Seen { key: key.to_string(), plain: !needs_escape(key), col };
        if nth < self.order.len() {
            self.order[nth] = seen();
        } else if nth == self.order.len() && nth < MAX_ORDER {
            self.order.push(seen());
        }
        col
    }

    /// The property name expected `nth` in a record, with its column, when
    /// it needs no escape in JSON (so it can be matched as it is written).
    #[inline]
    pub(super) fn expected(&self, nth: usize) -> Option<(&str, Option<(usize, Kind)>)> {
        self.order.get(nth).filter(|s| s.plain).map(|s| (s.key.as_str(), s.col))
    }
}

/// A property name seen at its place in a record.
struct Seen {
    key: String,
    /// Whether `key` needs no escape in JSON.
    plain: bool,
    col: Option<(usize, Kind)>,
}

/// The tables records of one file went to, by category; `None` for a
/// table dragnet does not hold.
#[derive(Default)]
pub struct Tables {
    seen: Vec<(String, Option<TableCols>)>,
}

impl Tables {
    /// The slot of `table`, looking its columns up on first sight.
    pub fn slot(&mut self, table: &str, out: &mut FileSink<'_, '_>) -> usize {
        if let Some(i) = self.seen.iter().position(|(name, _)| name == table) {
            return i;
        }
        let cols = crate::tables::TABLES.iter().find(|t| t.name == table).map(|t| {
            let id = out.table(t.name);
            TableCols::new(id, out)
        });
        self.seen.push((table.to_string(), cols));
        self.seen.len() - 1
    }

    /// The columns in `slot`, if its table is known.
    pub fn cols(&mut self, slot: usize) -> Option<&mut TableCols> {
        self.seen[slot].1.as_mut()
    }

    /// Fills `row` from the raw `properties` of a record whose table is in `slot`.
    pub fn fill<'de>(
        &mut self,
        slot: usize,
        properties: &'de RawValue,
        row: &mut Row<'de>,
    ) -> Result<Props, serde_json::Error> {
        let cols = self.seen[slot].1.as_mut().expect("only known tables are filled");
        let mut de = serde_json::Deserializer::from_str(properties.get());
        PropsSeed { cols, row }.deserialize(&mut de)
    }
}

/// What reading `properties` gave.
#[derive(Debug)]
pub enum Props {
    /// `properties` was `null`.
    Null,
    /// The row is filled, or a value could not be read: `"<column>: <why>"`.
    Read(Option<String>),
}

/// A record, its row filled when the table was known in time.
#[derive(Default, Debug)]
pub struct Record<'de> {
    /// `category`.
    pub category: Option<Cow<'de, str>>,
    /// `time`.
    pub time: Option<Cow<'de, str>>,
    /// `records`, when this is a wrapper.
    pub records: Option<Vec<&'de RawValue>>,
    /// Whether the record has a non-null `properties`.
    pub has_properties: bool,
    /// `properties` as raw text, when it came before `category`.
    pub properties: Option<&'de RawValue>,
    /// The table slot and the row read from `properties`, with the first
    /// value that could not be read.
    pub row: Option<(usize, Row<'de>, Option<String>)>,
}

/// Parses one record of `text`, filling the row on the way.
pub fn parse<'de>(
    text: &'de str,
    tables: &mut Tables,
    out: &mut FileSink<'_, '_>,
) -> Result<Record<'de>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let record = de.deserialize_map(RecordVisitor { tables, out })?;
    de.end()?;
    Ok(record)
}

struct RecordVisitor<'a, 's, 'o> {
    tables: &'a mut Tables,
    out: &'a mut FileSink<'s, 'o>,
}

impl<'de> Visitor<'de> for RecordVisitor<'_, '_, '_> {
    type Value = Record<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Defender export record (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Record<'de>, A::Error> {
        let mut rec = Record::default();
        while let Some(key) = map.next_key_seed(CowStr)? {
            match &*key {
                "category" => rec.category = map.next_value_seed(OptCowStr)?,
                "time" => rec.time = map.next_value_seed(OptCowStr)?,
                "records" => rec.records = map.next_value()?,
                "properties" => {
                    let table = rec.category.as_deref().and_then(|c| c.strip_prefix(PREFIX));
                    let Some(table) = table else {
                        let raw: Option<&'de RawValue> = map.next_value()?;
                        rec.has_properties = raw.is_some();
                        rec.properties = raw;
                        continue;
                    };
                    let slot = self.tables.slot(table, self.out);
                    match self.tables.cols(slot) {
                        Some(cols) => {
                            let mut row = self.out.builder(cols.id).row();
                            match map.next_value_seed(PropsSeed { cols, row: &mut row })? {
                                Props::Null => rec.has_properties = false,
                                Props::Read(err) => {
                                    rec.has_properties = true;
                                    rec.row = Some((slot, row, err));
                                }
                            }
                        }
                        None => {
                            let raw: Option<&'de RawValue> = map.next_value()?;
                            rec.has_properties = raw.is_some();
                        }
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(rec)
    }
}

/// Reads `properties` into a row.
struct PropsSeed<'a, 'r, 'de> {
    cols: &'a mut TableCols,
    row: &'r mut Row<'de>,
}

impl<'de> DeserializeSeed<'de> for PropsSeed<'_, '_, 'de> {
    type Value = Props;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Props, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PropsSeed<'_, '_, 'de> {
    type Value = Props;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a \"properties\" object")
    }

    fn visit_unit<E>(self) -> Result<Props, E> {
        Ok(Props::Null)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Props, A::Error> {
        let mut err = None;
        let mut nth = 0;
        while let Some(key) = map.next_key_seed(CowStr)? {
            let col = self.cols.column(nth, &key);
            nth += 1;
            let Some((i, kind)) = col else {
                column::skip(&mut map)?;
                continue;
            };
            match map.next_value_seed(Cell(kind))? {
                Ok(v) => {
                    self.row.set(i, v);
                }
                Err(why) => {
                    err.get_or_insert_with(|| format!("{key}: {why}"));
                }
            }
        }
        Ok(Props::Read(err))
    }
}

/// A string, borrowed from the input when it has no escapes.
struct CowStr;

impl<'de> DeserializeSeed<'de> for CowStr {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for CowStr {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(s))
    }

    fn visit_str<E>(self, s: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(s.to_string()))
    }
}

/// A string or `null`.
struct OptCowStr;

impl<'de> DeserializeSeed<'de> for OptCowStr {
    type Value = Option<Cow<'de, str>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for OptCowStr {
    type Value = Option<Cow<'de, str>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or null")
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        CowStr.deserialize(d).map(Some)
    }
}
