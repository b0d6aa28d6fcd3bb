//! Parameter values on the wire (`docs/PROTOCOL.md` §2): how the official SDKs turn
//! typed, nested parameters into the flat string pairs that are sent and signed.

use serde_json::{Map, Value};

/// The wire string of a scalar: strings as they are, booleans `true`/`false`,
/// integers as integers, floats in shortest form with an integral float
/// written as an integer and never in scientific notation. `None` for `null`
/// and for arrays and objects, which are flattened instead.
pub fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(if *b { "true" } else { "false" }.to_owned()),
        Value::Number(n) => Some(number_string(n)),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// The wire string of a JSON number, as the SDKs write it.
pub fn number_string(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    // Display for f64 is the shortest round-trip form, without exponent, and
    // drops the fraction of an integral value (42.0 -> "42").
    n.as_f64()
        .map(|f| f.to_string())
        .unwrap_or_else(|| n.to_string())
}

/// Flattens nested parameters into wire pairs: arrays to `Key.0`, `Key.1`, …,
/// objects to `Key.Field`, arrays of objects to `Key.0.Field`; `null` is left out.
pub fn flatten(params: &Map<String, Value>) -> Vec<(String, String)> {
    let mut out = Vec::with_capacity(params.len());
    for (k, v) in params {
        flatten_into(&mut out, k.clone(), v);
    }
    out
}

fn flatten_into(out: &mut Vec<(String, String)>, key: String, v: &Value) {
    match v {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                flatten_into(out, format!("{key}.{i}"), item);
            }
        }
        Value::Object(obj) => {
            for (field, item) in obj {
                flatten_into(out, format!("{key}.{field}"), item);
            }
        }
        scalar => {
            if let Some(s) = scalar_string(scalar) {
                out.push((key, s));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalars_are_written_as_the_sdks_write_them() {
        assert_eq!(scalar_string(&json!(true)).unwrap(), "true");
        assert_eq!(scalar_string(&json!(false)).unwrap(), "false");
        assert_eq!(scalar_string(&json!(42.0)).unwrap(), "42");
        assert_eq!(scalar_string(&json!(1.50)).unwrap(), "1.5");
        assert_eq!(
            scalar_string(&json!(1e21)).unwrap(),
            "1000000000000000000000"
        );
        assert_eq!(scalar_string(&json!(-7)).unwrap(), "-7");
        assert_eq!(
            scalar_string(&json!(u64::MAX)).unwrap(),
            u64::MAX.to_string()
        );
        assert_eq!(scalar_string(&json!(null)), None);
    }

    #[test]
    fn arrays_and_objects_flatten_to_dotted_keys() {
        let p = json!({"Disks": [{"IsBoot": true, "Size": 100, "Type": "CLOUD_SSD"}], "UHostIds": ["a", "b"], "S": {"F": "x"}, "N": null});
        let mut got = flatten(p.as_object().unwrap());
        got.sort();
        let want: Vec<(String, String)> = [
            ("Disks.0.IsBoot", "true"),
            ("Disks.0.Size", "100"),
            ("Disks.0.Type", "CLOUD_SSD"),
            ("S.F", "x"),
            ("UHostIds.0", "a"),
            ("UHostIds.1", "b"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(got, want);
    }
}
