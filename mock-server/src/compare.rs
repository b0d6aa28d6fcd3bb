//! The structural comparison of the mock's answer with the upstream's: two
//! JSON values in, the list of differences out. Compared: `RetCode`,
//! `Message` and `Action` by value; everywhere else field names, JSON types
//! and nesting; the length of a paged list when both answers count the same
//! total. Other values (ids, times, prices, names) differ between any two
//! accounts and are not compared.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How two answers differ at one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// `RetCode`, `Message` or `Action` differ.
    Value,
    /// The upstream sends a field the mock leaves out.
    MissingInMock,
    /// The mock sends a field the upstream leaves out.
    MissingInUpstream,
    /// The two sides send different JSON types.
    Type,
    /// A paged list has different lengths although both count the same total.
    Length,
}

/// One difference: where, what kind, and what each side had (a value, a
/// JSON type or a length, as text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Difference {
    /// The field's path: `ImageSet[].Tags`, with `[]` for any item of a list.
    pub path: String,
    /// What differs.
    pub kind: Kind,
    /// The mock's side.
    pub mock: String,
    /// The upstream's side.
    pub upstream: String,
}

/// The fields of a paged answer: the list and the count of the whole list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PagedList<'a> {
    /// The list field (`ImageSet`).
    pub list: &'a str,
    /// The count field (`TotalCount`).
    pub count: &'a str,
}

/// Fields compared by value at the top of an answer.
pub const VALUE_FIELDS: &[&str] = &["RetCode", "Message", "Action"];

/// The differences between the mock's answer and the upstream's, each
/// path and kind once (the first example kept), in the order found.
/// When the `RetCode`s differ only `RetCode` and `Message` are reported: an
/// error answer has none of a success's fields. A RetCode error is compared
/// by `RetCode` and `Message` alone.
pub fn compare(mock: &Value, upstream: &Value, paged: Option<PagedList<'_>>) -> Vec<Difference> {
    let mut out = Vec::new();
    let (Value::Object(m), Value::Object(u)) = (mock, upstream) else {
        walk("", mock, upstream, &mut out);
        return out;
    };
    let code = |o: &Map<String, Value>| o.get("RetCode").cloned().unwrap_or(Value::Null);
    let (mc, uc) = (code(m), code(u));
    if mc != uc || !is_zero(&mc) {
        for f in ["RetCode", "Message"] {
            value_difference(f, m.get(f), u.get(f), &mut out);
        }
        return out;
    }
    for f in VALUE_FIELDS {
        if let (Some(a), Some(b)) = (m.get(*f), u.get(*f)) {
            value_difference(f, Some(a), Some(b), &mut out);
        }
    }
    if let Some(p) = paged {
        let count = |o: &Map<String, Value>| o.get(p.count).and_then(Value::as_u64);
        let len = |o: &Map<String, Value>| o.get(p.list).and_then(Value::as_array).map(Vec::len);
        if let (Some(a), Some(b), Some(la), Some(lb)) = (count(m), count(u), len(m), len(u)) {
            if a == b && la != lb {
                out.push(Difference {
                    path: p.list.to_owned(),
                    kind: Kind::Length,
                    mock: la.to_string(),
                    upstream: lb.to_string(),
                });
            }
        }
    }
    fields("", m, u, true, &mut out);
    dedup(out)
}

fn is_zero(v: &Value) -> bool {
    v.as_i64() == Some(0)
}

fn value_difference(path: &str, a: Option<&Value>, b: Option<&Value>, out: &mut Vec<Difference>) {
    if a != b {
        let show = |v: Option<&Value>| v.map_or_else(|| "(absent)".to_owned(), Value::to_string);
        out.push(Difference {
            path: path.to_owned(),
            kind: Kind::Value,
            mock: show(a),
            upstream: show(b),
        });
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// The JSON type of a value: `null`, `boolean`, `number`, `string`,
/// `array`, `object` (integers and fractions are both numbers: which one a
/// value is depends on the value).
pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn fields(
    path: &str,
    m: &Map<String, Value>,
    u: &Map<String, Value>,
    top: bool,
    out: &mut Vec<Difference>,
) {
    let skip = |k: &str| top && VALUE_FIELDS.contains(&k);
    for (k, a) in m {
        if skip(k) && u.contains_key(k) {
            continue;
        }
        match u.get(k) {
            Some(b) => walk(&join(path, k), a, b, out),
            None => out.push(Difference {
                path: join(path, k),
                kind: Kind::MissingInUpstream,
                mock: json_type(a).to_owned(),
                upstream: "(absent)".to_owned(),
            }),
        }
    }
    for (k, b) in u {
        if !m.contains_key(k) {
            out.push(Difference {
                path: join(path, k),
                kind: Kind::MissingInMock,
                mock: "(absent)".to_owned(),
                upstream: json_type(b).to_owned(),
            });
        }
    }
}

fn walk(path: &str, a: &Value, b: &Value, out: &mut Vec<Difference>) {
    match (a, b) {
        (Value::Object(m), Value::Object(u)) => fields(path, m, u, false, out),
        (Value::Array(m), Value::Array(u)) => {
            let item = format!("{path}[]");
            for (x, y) in m.iter().zip(u) {
                walk(&item, x, y, out);
            }
        }
        _ if json_type(a) != json_type(b) => out.push(Difference {
            path: path.to_owned(),
            kind: Kind::Type,
            mock: json_type(a).to_owned(),
            upstream: json_type(b).to_owned(),
        }),
        _ => {}
    }
}

fn dedup(list: Vec<Difference>) -> Vec<Difference> {
    let mut seen = std::collections::HashSet::new();
    list.into_iter()
        .filter(|d| seen.insert((d.path.clone(), d.kind)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn kinds(d: &[Difference]) -> Vec<(&str, Kind)> {
        d.iter().map(|d| (d.path.as_str(), d.kind)).collect()
    }

    #[test]
    fn values_other_than_the_envelope_are_not_compared() {
        let a = json!({"Action": "XResponse", "RetCode": 0, "Id": "uhost-1", "Price": 1.5,
                       "Set": [{"Time": 1, "Name": "a"}]});
        let b = json!({"Action": "XResponse", "RetCode": 0, "Id": "uhost-2", "Price": 3,
                       "Set": [{"Time": 2, "Name": "b"}, {"Time": 3, "Name": "c"}]});
        assert_eq!(compare(&a, &b, None), vec![]);
    }

    #[test]
    fn names_types_and_nesting_are_compared_once_per_path() {
        let a =
            json!({"RetCode": 0, "Set": [{"A": 1, "B": "x"}, {"A": 2, "B": "y"}], "Only": true});
        let b = json!({"RetCode": 0, "Set": [{"A": "1", "C": 0}, {"A": "2", "C": 1}], "Extra": {}});
        assert_eq!(
            kinds(&compare(&a, &b, None)),
            vec![
                ("Set[].A", Kind::Type),
                ("Set[].B", Kind::MissingInUpstream),
                ("Set[].C", Kind::MissingInMock),
                ("Only", Kind::MissingInUpstream),
                ("Extra", Kind::MissingInMock),
            ]
        );
        let d = &compare(&a, &b, None)[0];
        assert_eq!((d.mock.as_str(), d.upstream.as_str()), ("number", "string"));
    }

    #[test]
    fn a_different_ret_code_reports_the_code_and_message_only() {
        let a = json!({"Action": "XResponse", "RetCode": 0, "Set": []});
        let b =
            json!({"Action": "XResponse", "RetCode": 171, "Message": "Signature VerifyAC Error"});
        let d = compare(&a, &b, None);
        assert_eq!(
            kinds(&d),
            vec![("RetCode", Kind::Value), ("Message", Kind::Value)]
        );
        assert_eq!((d[0].mock.as_str(), d[0].upstream.as_str()), ("0", "171"));
        assert_eq!(d[1].mock, "(absent)");
        let same_error = json!({"RetCode": 172, "Message": "m", "X": 1});
        assert_eq!(
            compare(&same_error, &json!({"RetCode": 172, "Message": "m"}), None),
            vec![]
        );
    }

    #[test]
    fn a_paged_list_length_counts_only_with_the_same_total() {
        let p = Some(PagedList {
            list: "Set",
            count: "TotalCount",
        });
        let a = json!({"RetCode": 0, "TotalCount": 3, "Set": [1, 2]});
        let b = json!({"RetCode": 0, "TotalCount": 3, "Set": [1, 2, 3]});
        assert_eq!(kinds(&compare(&a, &b, p)), vec![("Set", Kind::Length)]);
        let c = json!({"RetCode": 0, "TotalCount": 9, "Set": [1, 2, 3]});
        assert_eq!(compare(&a, &c, p), vec![]);
        assert_eq!(compare(&a, &b, None), vec![]);
    }

    fn leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            "[a-z0-9-]{0,8}".prop_map(Value::from),
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        leaf().prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[A-D]", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn answer() -> impl Strategy<Value = Value> {
        prop::collection::btree_map("[A-F][a-z]{0,2}", value(), 0..5).prop_map(|m| {
            let mut o: Map<String, Value> = m.into_iter().collect();
            o.insert("RetCode".into(), json!(0));
            Value::Object(o)
        })
    }

    /// The same shape with every leaf replaced by another of its type.
    fn revalue(v: &Value, salt: i64) -> Value {
        match v {
            Value::Bool(b) => Value::Bool(!b),
            Value::Number(n) => json!(n.as_i64().unwrap_or(0).wrapping_add(salt)),
            Value::String(s) => Value::String(format!("{s}{salt}")),
            Value::Array(a) => Value::Array(a.iter().map(|x| revalue(x, salt)).collect()),
            Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, x)| {
                        let x = if k == "RetCode" {
                            x.clone()
                        } else {
                            revalue(x, salt)
                        };
                        (k.clone(), x)
                    })
                    .collect(),
            ),
            Value::Null => Value::Null,
        }
    }

    fn mirrored(d: &Difference) -> Difference {
        Difference {
            path: d.path.clone(),
            kind: match d.kind {
                Kind::MissingInMock => Kind::MissingInUpstream,
                Kind::MissingInUpstream => Kind::MissingInMock,
                k => k,
            },
            mock: d.upstream.clone(),
            upstream: d.mock.clone(),
        }
    }

    proptest! {
        #[test]
        fn an_answer_is_identical_to_itself_and_to_its_revalued_copy(a in answer(), salt in 1i64..100) {
            prop_assert_eq!(compare(&a, &a, None), vec![]);
            prop_assert_eq!(compare(&a, &revalue(&a, salt), None), vec![]);
        }

        #[test]
        fn swapping_the_sides_mirrors_the_differences(a in answer(), b in answer()) {
            let mut ab: Vec<Difference> = compare(&a, &b, None).iter().map(mirrored).collect();
            let mut ba = compare(&b, &a, None);
            ab.sort_by(|x, y| (&x.path, x.kind).cmp(&(&y.path, y.kind)));
            ba.sort_by(|x, y| (&x.path, x.kind).cmp(&(&y.path, y.kind)));
            prop_assert_eq!(ab, ba);
        }

        #[test]
        fn an_added_field_is_the_one_difference(a in answer(), v in value()) {
            let mut b = a.clone();
            b.as_object_mut().unwrap().insert("Zadded".into(), v.clone());
            let d = compare(&a, &b, None);
            prop_assert_eq!(d.len(), 1);
            prop_assert_eq!(&d[0].path, "Zadded");
            prop_assert_eq!(d[0].kind, Kind::MissingInMock);
            prop_assert_eq!(&d[0].upstream, json_type(&v));
        }

        #[test]
        fn every_path_and_kind_is_reported_once(a in answer(), b in answer()) {
            let d = compare(&a, &b, None);
            let mut keys: Vec<_> = d.iter().map(|d| (d.path.clone(), d.kind)).collect();
            keys.sort();
            keys.dedup();
            prop_assert_eq!(keys.len(), d.len());
        }
    }
}
