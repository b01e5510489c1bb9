//! Unit conversions: `convert_angle`, `convert_energy`, `convert_force`,
//! `convert_length`, `convert_mass`, `convert_speed`,
//! `convert_temperature` and `convert_volume` (convert-*-function.md).
//!
//! Each page lists its unit names; a value goes through the quantity's base
//! unit (degree, joule, newton, metre, kilogram, metre per second, kelvin,
//! cubic metre) with the factors of the UnitsNet definitions the pages'
//! names come from (an acre-foot is 1/0.000810714 cubic metres there, which
//! is what convert-volume-function.md prints). Names match exactly; an
//! unknown unit, a null or a non-number gives null, as the pages say.

use super::math::num;
use super::rowwise::{Ctx, V};

/// How a unit reaches the base unit.
#[derive(Clone, Copy)]
enum To {
    /// base = value * factor
    Mul(f64),
    /// base = value / factor
    Div(f64),
    /// base = value * factor + offset (temperatures)
    Affine(f64, f64),
    /// base (degrees) = asin(value) in degrees: a tilt is the sine of the angle
    Tilt,
}

impl To {
    fn to_base(self, v: f64) -> f64 {
        match self {
            To::Mul(f) => v * f,
            To::Div(f) => v / f,
            To::Affine(f, o) => v * f + o,
            To::Tilt => v.asin().to_degrees(),
        }
    }

    fn out_of_base(self, b: f64) -> f64 {
        match self {
            To::Mul(f) => b / f,
            To::Div(f) => b * f,
            To::Affine(f, o) => (b - o) / f,
            To::Tilt => b.to_radians().sin(),
        }
    }
}

const RAD: f64 = 180.0 / std::f64::consts::PI;

const ANGLE: &[(&str, To)] = &[
    ("Arcminute", To::Div(60.0)),
    ("Arcsecond", To::Div(3600.0)),
    ("Centiradian", To::Mul(0.01 * RAD)),
    ("Deciradian", To::Mul(0.1 * RAD)),
    ("Degree", To::Mul(1.0)),
    ("Gradian", To::Mul(0.9)),
    ("Microdegree", To::Mul(1e-6)),
    ("Microradian", To::Mul(1e-6 * RAD)),
    ("Millidegree", To::Mul(1e-3)),
    ("Milliradian", To::Mul(1e-3 * RAD)),
    ("Nanodegree", To::Mul(1e-9)),
    ("Nanoradian", To::Mul(1e-9 * RAD)),
    ("NatoMil", To::Mul(9.0 / 160.0)),
    ("Radian", To::Mul(RAD)),
    ("Revolution", To::Mul(360.0)),
    ("Tilt", To::Tilt),
];

const BTU: f64 = 1055.05585262;
const THERM_EC: f64 = 1.05505585262e8;
const THERM_IMP: f64 = 1.05505585257348e8;
const THERM_US: f64 = 1.054804e8;
const EV: f64 = 1.602176565e-19;

const ENERGY: &[(&str, To)] = &[
    ("BritishThermalUnit", To::Mul(BTU)),
    ("Calorie", To::Mul(4.184)),
    ("DecathermEc", To::Mul(THERM_EC * 10.0)),
    ("DecathermImperial", To::Mul(THERM_IMP * 10.0)),
    ("DecathermUs", To::Mul(THERM_US * 10.0)),
    ("ElectronVolt", To::Mul(EV)),
    ("Erg", To::Mul(1e-7)),
    ("FootPound", To::Mul(1.355817948)),
    ("GigabritishThermalUnit", To::Mul(BTU * 1e9)),
    ("GigaelectronVolt", To::Mul(EV * 1e9)),
    ("Gigajoule", To::Mul(1e9)),
    ("GigawattDay", To::Mul(86400.0 * 1e9)),
    ("GigawattHour", To::Mul(3600.0 * 1e9)),
    ("HorsepowerHour", To::Mul(2.6845195377e6)),
    ("Joule", To::Mul(1.0)),
    ("KilobritishThermalUnit", To::Mul(BTU * 1e3)),
    ("Kilocalorie", To::Mul(4184.0)),
    ("KiloelectronVolt", To::Mul(EV * 1e3)),
    ("Kilojoule", To::Mul(1e3)),
    ("KilowattDay", To::Mul(86400.0 * 1e3)),
    ("KilowattHour", To::Mul(3600.0 * 1e3)),
    ("MegabritishThermalUnit", To::Mul(BTU * 1e6)),
    ("Megacalorie", To::Mul(4.184e6)),
    ("MegaelectronVolt", To::Mul(EV * 1e6)),
    ("Megajoule", To::Mul(1e6)),
    ("MegawattDay", To::Mul(86400.0 * 1e6)),
    ("MegawattHour", To::Mul(3600.0 * 1e6)),
    ("Millijoule", To::Mul(1e-3)),
    ("TeraelectronVolt", To::Mul(EV * 1e12)),
    ("TerawattDay", To::Mul(86400.0 * 1e12)),
    ("TerawattHour", To::Mul(3600.0 * 1e12)),
    ("ThermEc", To::Mul(THERM_EC)),
    ("ThermImperial", To::Mul(THERM_IMP)),
    ("ThermUs", To::Mul(THERM_US)),
    ("WattDay", To::Mul(86400.0)),
    ("WattHour", To::Mul(3600.0)),
];

const FORCE: &[(&str, To)] = &[
    ("Decanewton", To::Mul(10.0)),
    ("Dyn", To::Mul(1e-5)),
    ("KilogramForce", To::Mul(9.80665)),
    ("Kilonewton", To::Mul(1e3)),
    ("KiloPond", To::Mul(9.80665)),
    ("KilopoundForce", To::Mul(4448.2216152605)),
    ("Meganewton", To::Mul(1e6)),
    ("Micronewton", To::Mul(1e-6)),
    ("Millinewton", To::Mul(1e-3)),
    ("Newton", To::Mul(1.0)),
    ("OunceForce", To::Mul(0.2780138509537812)),
    ("Poundal", To::Mul(0.138254954376)),
    ("PoundForce", To::Mul(4.4482216152605)),
    ("ShortTonForce", To::Mul(8896.443230521)),
    ("TonneForce", To::Mul(9806.65)),
];

const LIGHT_YEAR: f64 = 9.46073047258e15;
const PARSEC: f64 = 3.08567758128e16;

const LENGTH: &[(&str, To)] = &[
    ("Angstrom", To::Mul(1e-10)),
    ("AstronomicalUnit", To::Mul(1.495978707e11)),
    ("Centimeter", To::Mul(1e-2)),
    ("Chain", To::Mul(20.1168)),
    ("DataMile", To::Mul(1828.8)),
    ("Decameter", To::Mul(10.0)),
    ("Decimeter", To::Mul(0.1)),
    ("DtpPica", To::Div(236.220472441)),
    ("DtpPoint", To::Mul(0.0254 / 72.0)),
    ("Fathom", To::Mul(1.8288)),
    ("Foot", To::Mul(0.3048)),
    ("Hand", To::Mul(0.1016)),
    ("Hectometer", To::Mul(100.0)),
    ("Inch", To::Mul(0.0254)),
    ("KilolightYear", To::Mul(LIGHT_YEAR * 1e3)),
    ("Kilometer", To::Mul(1e3)),
    ("Kiloparsec", To::Mul(PARSEC * 1e3)),
    ("LightYear", To::Mul(LIGHT_YEAR)),
    ("MegalightYear", To::Mul(LIGHT_YEAR * 1e6)),
    ("Megaparsec", To::Mul(PARSEC * 1e6)),
    ("Meter", To::Mul(1.0)),
    ("Microinch", To::Mul(2.54e-8)),
    ("Micrometer", To::Mul(1e-6)),
    ("Mil", To::Mul(2.54e-5)),
    ("Mile", To::Mul(1609.344)),
    ("Millimeter", To::Mul(1e-3)),
    ("Nanometer", To::Mul(1e-9)),
    ("NauticalMile", To::Mul(1852.0)),
    ("Parsec", To::Mul(PARSEC)),
    ("PrinterPica", To::Div(237.106301584)),
    ("PrinterPoint", To::Mul(0.0254 / 72.27)),
    ("Shackle", To::Mul(27.432)),
    ("SolarRadius", To::Mul(6.9551e8)),
    ("Twip", To::Div(56692.913385826)),
    ("UsSurveyFoot", To::Mul(1200.0 / 3937.0)),
    ("Yard", To::Mul(0.9144)),
];

const POUND: f64 = 0.45359237;

const MASS: &[(&str, To)] = &[
    ("Centigram", To::Mul(1e-5)),
    ("Decagram", To::Mul(1e-2)),
    ("Decigram", To::Mul(1e-4)),
    ("EarthMass", To::Mul(5.9722e24)),
    ("Grain", To::Mul(6.479891e-5)),
    ("Gram", To::Mul(1e-3)),
    ("Hectogram", To::Mul(0.1)),
    ("Kilogram", To::Mul(1.0)),
    ("Kilopound", To::Mul(POUND * 1e3)),
    ("Kilotonne", To::Mul(1e6)),
    ("LongHundredweight", To::Mul(50.80234544)),
    ("LongTon", To::Mul(1016.0469088)),
    ("Megapound", To::Mul(POUND * 1e6)),
    ("Megatonne", To::Mul(1e9)),
    ("Microgram", To::Mul(1e-9)),
    ("Milligram", To::Mul(1e-6)),
    ("Nanogram", To::Mul(1e-12)),
    ("Ounce", To::Mul(0.028349523125)),
    ("Pound", To::Mul(POUND)),
    ("ShortHundredweight", To::Mul(45.359237)),
    ("ShortTon", To::Mul(907.18474)),
    ("Slug", To::Div(6.852176556196105e-2)),
    ("SolarMass", To::Mul(1.98947e30)),
    ("Stone", To::Mul(6.35029318)),
    ("Tonne", To::Mul(1e3)),
];

const FOOT: f64 = 0.3048;
const SURVEY_FOOT: f64 = 1200.0 / 3937.0;

const SPEED: &[(&str, To)] = &[
    ("CentimeterPerHour", To::Mul(1e-2 / 3600.0)),
    ("CentimeterPerMinute", To::Mul(1e-2 / 60.0)),
    ("CentimeterPerSecond", To::Mul(1e-2)),
    ("DecimeterPerMinute", To::Mul(0.1 / 60.0)),
    ("DecimeterPerSecond", To::Mul(0.1)),
    ("FootPerHour", To::Mul(FOOT / 3600.0)),
    ("FootPerMinute", To::Mul(FOOT / 60.0)),
    ("FootPerSecond", To::Mul(FOOT)),
    ("InchPerHour", To::Mul(0.0254 / 3600.0)),
    ("InchPerMinute", To::Mul(0.0254 / 60.0)),
    ("InchPerSecond", To::Mul(0.0254)),
    ("KilometerPerHour", To::Mul(1e3 / 3600.0)),
    ("KilometerPerMinute", To::Mul(1e3 / 60.0)),
    ("KilometerPerSecond", To::Mul(1e3)),
    ("Knot", To::Mul(1852.0 / 3600.0)),
    ("MeterPerHour", To::Div(3600.0)),
    ("MeterPerMinute", To::Div(60.0)),
    ("MeterPerSecond", To::Mul(1.0)),
    ("MicrometerPerMinute", To::Mul(1e-6 / 60.0)),
    ("MicrometerPerSecond", To::Mul(1e-6)),
    ("MilePerHour", To::Mul(0.44704)),
    ("MillimeterPerHour", To::Mul(1e-3 / 3600.0)),
    ("MillimeterPerMinute", To::Mul(1e-3 / 60.0)),
    ("MillimeterPerSecond", To::Mul(1e-3)),
    ("NanometerPerMinute", To::Mul(1e-9 / 60.0)),
    ("NanometerPerSecond", To::Mul(1e-9)),
    ("UsSurveyFootPerHour", To::Mul(SURVEY_FOOT / 3600.0)),
    ("UsSurveyFootPerMinute", To::Mul(SURVEY_FOOT / 60.0)),
    ("UsSurveyFootPerSecond", To::Mul(SURVEY_FOOT)),
    ("YardPerHour", To::Mul(0.9144 / 3600.0)),
    ("YardPerMinute", To::Mul(0.9144 / 60.0)),
    ("YardPerSecond", To::Mul(0.9144)),
];

const TEMPERATURE: &[(&str, To)] = &[
    ("DegreeCelsius", To::Affine(1.0, 273.15)),
    ("DegreeDelisle", To::Affine(-2.0 / 3.0, 373.15)),
    ("DegreeFahrenheit", To::Affine(5.0 / 9.0, 459.67 * 5.0 / 9.0)),
    ("DegreeNewton", To::Affine(100.0 / 33.0, 273.15)),
    ("DegreeRankine", To::Mul(5.0 / 9.0)),
    ("DegreeReaumur", To::Affine(5.0 / 4.0, 273.15)),
    ("DegreeRoemer", To::Affine(40.0 / 21.0, 273.15 - 7.5 * 40.0 / 21.0)),
    ("Kelvin", To::Mul(1.0)),
    ("MillidegreeCelsius", To::Affine(1e-3, 273.15)),
    ("SolarTemperature", To::Mul(5778.0)),
];

const CUBIC_FOOT: f64 = 0.0283168;
const US_GALLON: f64 = 0.00378541;
const IMP_GALLON: f64 = 0.00454609;

const VOLUME: &[(&str, To)] = &[
    ("AcreFoot", To::Div(0.000810714)),
    ("AuTablespoon", To::Mul(2e-5)),
    ("BoardFoot", To::Mul(2.3597372158e-3)),
    ("Centiliter", To::Mul(1e-5)),
    ("CubicCentimeter", To::Mul(1e-6)),
    ("CubicDecimeter", To::Mul(1e-3)),
    ("CubicFoot", To::Mul(CUBIC_FOOT)),
    ("CubicHectometer", To::Mul(1e6)),
    ("CubicInch", To::Mul(1.6387e-5)),
    ("CubicKilometer", To::Mul(1e9)),
    ("CubicMeter", To::Mul(1.0)),
    ("CubicMicrometer", To::Mul(1e-18)),
    ("CubicMile", To::Mul(4.16818182544058e9)),
    ("CubicMillimeter", To::Mul(1e-9)),
    ("CubicYard", To::Mul(0.764554858)),
    ("Decaliter", To::Mul(1e-2)),
    ("DecausGallon", To::Mul(US_GALLON * 1e1)),
    ("Deciliter", To::Mul(1e-4)),
    ("DeciusGallon", To::Mul(US_GALLON * 1e-1)),
    ("HectocubicFoot", To::Mul(CUBIC_FOOT * 1e2)),
    ("HectocubicMeter", To::Mul(1e2)),
    ("Hectoliter", To::Mul(1e-1)),
    ("HectousGallon", To::Mul(US_GALLON * 1e2)),
    ("ImperialBeerBarrel", To::Div(6.1102568)),
    ("ImperialGallon", To::Mul(IMP_GALLON)),
    ("ImperialOunce", To::Mul(2.84130625e-5)),
    ("ImperialPint", To::Mul(5.6826125e-4)),
    ("KilocubicFoot", To::Mul(CUBIC_FOOT * 1e3)),
    ("KilocubicMeter", To::Mul(1e3)),
    ("KiloimperialGallon", To::Mul(IMP_GALLON * 1e3)),
    ("Kiloliter", To::Mul(1.0)),
    ("KilousGallon", To::Mul(US_GALLON * 1e3)),
    ("Liter", To::Mul(1e-3)),
    ("MegacubicFoot", To::Mul(CUBIC_FOOT * 1e6)),
    ("MegaimperialGallon", To::Mul(IMP_GALLON * 1e6)),
    ("Megaliter", To::Mul(1e3)),
    ("MegausGallon", To::Mul(US_GALLON * 1e6)),
    ("MetricCup", To::Mul(2.5e-4)),
    ("MetricTeaspoon", To::Mul(5e-6)),
    ("Microliter", To::Mul(1e-9)),
    ("Milliliter", To::Mul(1e-6)),
    ("OilBarrel", To::Mul(0.158987294928)),
    ("UkTablespoon", To::Mul(1.5e-5)),
    ("UsBeerBarrel", To::Mul(0.1173477658)),
    ("UsCustomaryCup", To::Mul(2.365882365e-4)),
    ("UsGallon", To::Mul(US_GALLON)),
    ("UsLegalCup", To::Mul(2.4e-4)),
    ("UsOunce", To::Mul(2.95735295625376e-5)),
    ("UsPint", To::Mul(4.73176473e-4)),
    ("UsQuart", To::Mul(9.46352946e-4)),
    ("UsTablespoon", To::Mul(1.478676478125e-5)),
    ("UsTeaspoon", To::Mul(4.92892159375e-6)),
];

/// `value` from unit `a[1]` to unit `a[2]` of `table`.
fn convert(table: &[(&str, To)], a: &[V]) -> V {
    let unit = |i: usize| match a.get(i) {
        Some(V::Str(s)) => table.iter().find(|(n, _)| n == s).map(|(_, t)| *t),
        _ => None,
    };
    match (a.first().and_then(num), unit(1), unit(2)) {
        (Some(v), Some(from), Some(to)) => {
            let r = to.out_of_base(from.to_base(v));
            if r.is_nan() && !v.is_nan() { V::Null } else { V::Real(r) }
        }
        _ => V::Null,
    }
}

/// `convert_angle(value, from, to)`.
pub fn convert_angle(a: &[V], _: &mut Ctx) -> V {
    convert(ANGLE, a)
}

/// `convert_energy(value, from, to)`.
pub fn convert_energy(a: &[V], _: &mut Ctx) -> V {
    convert(ENERGY, a)
}

/// `convert_force(value, from, to)`.
pub fn convert_force(a: &[V], _: &mut Ctx) -> V {
    convert(FORCE, a)
}

/// `convert_length(value, from, to)`.
pub fn convert_length(a: &[V], _: &mut Ctx) -> V {
    convert(LENGTH, a)
}

/// `convert_mass(value, from, to)`.
pub fn convert_mass(a: &[V], _: &mut Ctx) -> V {
    convert(MASS, a)
}

/// `convert_speed(value, from, to)`.
pub fn convert_speed(a: &[V], _: &mut Ctx) -> V {
    convert(SPEED, a)
}

/// `convert_temperature(value, from, to)`.
pub fn convert_temperature(a: &[V], _: &mut Ctx) -> V {
    convert(TEMPERATURE, a)
}

/// `convert_volume(value, from, to)`.
pub fn convert_volume(a: &[V], _: &mut Ctx) -> V {
    convert(VOLUME, a)
}
