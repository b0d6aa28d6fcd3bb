//! The action catalogue (`catalogue/compshare-api.json`, copied from the
//! public SDKs' definitions): which actions exist, their parameters with types
//! and required flags, and the shapes of their answers. Validation, neutral
//! answers and the contract tests are all driven from it, so adding an action
//! to the file is enough to make the mock know it.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::Value;

/// The catalogue file, compiled in.
pub const CATALOGUE_JSON: &str = include_str!("../catalogue/compshare-api.json");

/// The overlay on the catalogue (`catalogue/overlay.json`): each decision
/// where the sources disagree with the generated catalogue, with its source,
/// in one place, merged when the catalogue is loaded.
pub const OVERLAY_JSON: &str = include_str!("../catalogue/overlay.json");

/// The overlay on the catalogue, as read from [`OVERLAY_JSON`].
#[derive(Debug, Clone, Deserialize)]
pub struct Overlay {
    /// Parameters the generated catalogue marks required that are optional.
    pub optional: Vec<Decision>,
    /// Parameters the catalogue lists that the gateway refuses with 230.
    pub refused: Vec<Decision>,
}

/// One decision of the overlay: an action's parameter and why.
#[derive(Debug, Clone, Deserialize)]
pub struct Decision {
    /// The action.
    pub action: String,
    /// The parameter.
    pub param: String,
    /// Where the decision comes from.
    pub source: String,
}

impl Overlay {
    /// The compiled-in overlay.
    pub fn get() -> &'static Overlay {
        static OVERLAY: OnceLock<Overlay> = OnceLock::new();
        OVERLAY.get_or_init(|| {
            serde_json::from_str(OVERLAY_JSON).expect("the compiled-in overlay parses")
        })
    }
}

/// A JSON type in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    /// A JSON string.
    String,
    /// A JSON integer.
    Integer,
    /// Any JSON number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A list of the inner type.
    Array(Box<Type>),
    /// An object of the named model.
    Ref(String),
}

impl<'de> Deserialize<'de> for Type {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Name(String),
            Array {
                array: Box<Type>,
            },
            Ref {
                #[serde(rename = "ref")]
                model: String,
            },
        }
        match Raw::deserialize(d)? {
            Raw::Name(n) => match n.as_str() {
                "string" => Ok(Type::String),
                "integer" => Ok(Type::Integer),
                "number" => Ok(Type::Number),
                "boolean" => Ok(Type::Boolean),
                other => Err(serde::de::Error::custom(format!("unknown type {other}"))),
            },
            Raw::Array { array } => Ok(Type::Array(array)),
            Raw::Ref { model } => Ok(Type::Ref(model)),
        }
    }
}

impl std::fmt::Display for Type {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Type::String => f.write_str("string"),
            Type::Integer => f.write_str("integer"),
            Type::Number => f.write_str("number"),
            Type::Boolean => f.write_str("boolean"),
            Type::Array(t) => write!(f, "array of {t}"),
            Type::Ref(m) => write!(f, "object {m}"),
        }
    }
}

/// A request parameter or a response/model field.
#[derive(Debug, Clone, Deserialize)]
pub struct Field {
    /// The name on the wire.
    pub name: String,
    /// Its JSON type.
    #[serde(rename = "type")]
    pub ty: Type,
    /// Whether a request must carry it.
    #[serde(default)]
    pub required: bool,
    /// A public parameter every SDK fills in from its config (Region, Zone, ProjectId).
    #[serde(default)]
    pub common: bool,
}

/// One action of the catalogue.
#[derive(Debug, Clone, Deserialize)]
pub struct Action {
    /// Request parameters.
    pub request: Vec<Field>,
    /// Fields of the answer, beside `Action`, `RetCode` and `Message`.
    pub response: Vec<Field>,
    /// Whether the SDKs retry it (false for Create*/Publish*).
    #[serde(default)]
    pub sdk_retryable: bool,
    /// Parameters the gateway refuses with 230 when sent, from the overlay.
    #[serde(skip)]
    pub refused: Vec<String>,
}

impl Action {
    /// The request parameter of that name.
    pub fn param(&self, name: &str) -> Option<&Field> {
        self.request.iter().find(|f| f.name == name)
    }

    /// The answer field of that name.
    pub fn response_field(&self, name: &str) -> Option<&Field> {
        self.response.iter().find(|f| f.name == name)
    }
}

/// The whole catalogue.
#[derive(Debug, Deserialize)]
pub struct Catalogue {
    /// The service name (`UCompShare`).
    pub service: String,
    /// Actions by name.
    pub actions: HashMap<String, Action>,
    /// Models by name.
    pub models: HashMap<String, Vec<Field>>,
}

/// A value that does not fit its catalogue type, with where it sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// Dotted path to the value (`ImageSet.3.Owner.AccountId`).
    pub path: String,
    /// What is wrong there.
    pub problem: String,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "field {}: {}", self.path, self.problem)
    }
}

impl Catalogue {
    /// The catalogue compiled into the binary, parsed once, with the
    /// documented required-flag overrides applied.
    pub fn get() -> &'static Catalogue {
        static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
        CATALOGUE.get_or_init(|| {
            let mut c: Catalogue =
                serde_json::from_str(CATALOGUE_JSON).expect("the compiled-in catalogue parses");
            let overlay = Overlay::get();
            for d in &overlay.optional {
                if let Some(f) = c
                    .actions
                    .get_mut(&d.action)
                    .and_then(|a| a.request.iter_mut().find(|f| f.name == d.param))
                {
                    f.required = false;
                }
            }
            for d in &overlay.refused {
                if let Some(a) = c.actions.get_mut(&d.action) {
                    a.refused.push(d.param.clone());
                }
            }
            c
        })
    }

    /// The action of that name.
    pub fn action(&self, name: &str) -> Option<&Action> {
        self.actions.get(name)
    }

    /// All action names, sorted.
    pub fn action_names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.actions.keys().map(String::as_str).collect();
        v.sort_unstable();
        v
    }

    /// Checks a JSON value against a type: every field of the model's type,
    /// no field outside the model. Missing fields are allowed (the SDKs fill
    /// them with defaults). Returns the first mismatch.
    pub fn check(&self, value: &Value, ty: &Type, path: &str) -> Result<(), Mismatch> {
        let fail = |problem: String| {
            Err(Mismatch {
                path: path.to_owned(),
                problem,
            })
        };
        match (ty, value) {
            (Type::String, Value::String(_)) | (Type::Boolean, Value::Bool(_)) => Ok(()),
            (Type::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(()),
            (Type::Number, Value::Number(_)) => Ok(()),
            (Type::Array(inner), Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    self.check(item, inner, &join(path, &i.to_string()))?;
                }
                Ok(())
            }
            (Type::Ref(model), Value::Object(obj)) => {
                let Some(fields) = self.models.get(model) else {
                    return fail(format!("unknown model {model}"));
                };
                self.check_fields(obj, fields, path)
            }
            (ty, v) => fail(format!("expected {ty}, found {}", json_kind(v))),
        }
    }

    /// Checks an object against a field list (a model, or an action's answer).
    pub fn check_fields(
        &self,
        obj: &serde_json::Map<String, Value>,
        fields: &[Field],
        path: &str,
    ) -> Result<(), Mismatch> {
        for (k, v) in obj {
            let Some(f) = fields.iter().find(|f| f.name == *k) else {
                return Err(Mismatch {
                    path: join(path, k),
                    problem: "not a field of the model".to_owned(),
                });
            };
            self.check(v, &f.ty, &join(path, k))?;
        }
        Ok(())
    }

    /// Checks a whole answer body of `action`: `Action`, `RetCode`,
    /// `Message` and the catalogue's response fields, nothing else.
    pub fn check_answer(&self, action: &str, body: &Value) -> Result<(), Mismatch> {
        let Some(a) = self.action(action) else {
            return Err(Mismatch {
                path: String::new(),
                problem: format!("unknown action {action}"),
            });
        };
        let Value::Object(obj) = body else {
            return Err(Mismatch {
                path: String::new(),
                problem: format!("expected object, found {}", json_kind(body)),
            });
        };
        let mut rest = obj.clone();
        for (k, ty) in [
            ("Action", Type::String),
            ("RetCode", Type::Integer),
            ("Message", Type::String),
        ] {
            if let Some(v) = rest.remove(k) {
                self.check(&v, &ty, k)?;
            }
        }
        self.check_fields(&rest, &a.response, "")
    }

    /// The neutral value of a type: `""`, `0`, `false`, `[]`, or an object of
    /// neutral fields. Used for answers nothing more is known about.
    pub fn neutral(&self, ty: &Type, depth: usize) -> Value {
        match ty {
            Type::String => Value::String(String::new()),
            Type::Integer => Value::from(0),
            Type::Number => Value::from(0.0),
            Type::Boolean => Value::Bool(false),
            Type::Array(_) => Value::Array(Vec::new()),
            Type::Ref(model) => {
                let mut obj = serde_json::Map::new();
                if depth < 8 {
                    for f in self
                        .models
                        .get(model)
                        .map(Vec::as_slice)
                        .unwrap_or_default()
                    {
                        obj.insert(f.name.clone(), self.neutral(&f.ty, depth + 1));
                    }
                }
                Value::Object(obj)
            }
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// The JSON kind of a value, for messages.
pub fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_catalogue_has_all_eighty_actions_and_resolves_every_ref() {
        let c = Catalogue::get();
        assert_eq!(c.service, "UCompShare");
        assert_eq!(c.actions.len(), 80);
        fn refs(t: &Type, out: &mut Vec<String>) {
            match t {
                Type::Array(i) => refs(i, out),
                Type::Ref(m) => out.push(m.clone()),
                _ => {}
            }
        }
        let mut all = Vec::new();
        for a in c.actions.values() {
            for f in a.request.iter().chain(&a.response) {
                refs(&f.ty, &mut all);
            }
        }
        for fields in c.models.values() {
            for f in fields {
                refs(&f.ty, &mut all);
            }
        }
        for m in all {
            assert!(
                c.models.contains_key(&m),
                "model {m} is referenced but not defined"
            );
        }
    }

    #[test]
    fn every_overlay_decision_names_a_catalogue_parameter_and_a_source() {
        let c = Catalogue::get();
        let o = Overlay::get();
        for d in o.optional.iter().chain(&o.refused) {
            let action = c
                .action(&d.action)
                .unwrap_or_else(|| panic!("{}", d.action));
            assert!(action.param(&d.param).is_some(), "{}.{}", d.action, d.param);
            assert!(
                d.source.contains("§") || d.source.contains("seed"),
                "{}",
                d.source
            );
        }
        for d in &o.optional {
            assert!(
                !c.action(&d.action)
                    .unwrap()
                    .param(&d.param)
                    .unwrap()
                    .required
            );
        }
        assert_eq!(
            c.action("DescribeCompShareImages").unwrap().refused,
            ["Limit"]
        );
        assert!(c
            .action("DescribeCompShareCustomImages")
            .unwrap()
            .refused
            .is_empty());
    }

    #[test]
    fn the_documented_overrides_make_params_optional() {
        let c = Catalogue::get();
        let zone = c
            .action("DescribeCompShareCustomImages")
            .unwrap()
            .param("Zone")
            .unwrap();
        assert!(!zone.required);
        let ids = c
            .action("GetCompShareRefundPrice")
            .unwrap()
            .param("UHostIds")
            .unwrap();
        assert!(!ids.required);
        let region = c
            .action("DescribeCompShareCustomImages")
            .unwrap()
            .param("Region")
            .unwrap();
        assert!(region.required);
    }

    #[test]
    fn check_reports_the_path_of_a_wrong_type_and_of_an_unknown_field() {
        let c = Catalogue::get();
        let ty = Type::Array(Box::new(Type::Ref("CompShareImage".into())));
        let bad = json!([{"Name": "a"}, {"Owner": {"AccountId": 5}}]);
        let e = c.check(&bad, &ty, "ImageSet").unwrap_err();
        assert_eq!(e.path, "ImageSet.1.Owner.AccountId");
        assert_eq!(e.problem, "expected string, found integer");
        let extra = json!([{"Colour": "red"}]);
        assert_eq!(
            c.check(&extra, &ty, "ImageSet").unwrap_err().path,
            "ImageSet.0.Colour"
        );
    }

    #[test]
    fn every_neutral_answer_fits_its_action() {
        let c = Catalogue::get();
        for (name, a) in &c.actions {
            let mut body = serde_json::Map::new();
            body.insert("Action".into(), json!(format!("{name}Response")));
            body.insert("RetCode".into(), json!(0));
            for f in &a.response {
                body.insert(f.name.clone(), c.neutral(&f.ty, 0));
            }
            c.check_answer(name, &Value::Object(body)).unwrap();
        }
    }
}
