//! The action catalogue (`catalogue/compshare-api.json`, copied from the
//! public SDKs' definitions): which actions exist, their parameters with types
//! and required flags, and the shapes of their answers. Validation, neutral
//! answers and the contract tests are all driven from it, so adding an action
//! to the file is enough to make the mock know it.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The catalogue file, compiled in.
pub const CATALOGUE_JSON: &str = include_str!("../catalogue/compshare-api.json");

/// The overlay on the catalogue (`catalogue/overlay.json`): each decision
/// where the sources disagree with the generated catalogue, with its source,
/// in one place, merged when the catalogue is loaded.
pub const OVERLAY_JSON: &str = include_str!("../catalogue/overlay.json");

/// The overlay on the catalogue, as read from [`OVERLAY_JSON`]: every
/// decision against the generated catalogue, each with its source.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overlay {
    /// What the overlay is, for the reader of the file.
    #[serde(default)]
    pub about: String,
    /// Parameters the generated catalogue marks required that are optional.
    #[serde(default)]
    pub optional: Vec<Decision>,
    /// Parameters that are (or stay) required where the catalogue or a client
    /// says otherwise.
    #[serde(default)]
    pub required: Vec<Decision>,
    /// Parameters the catalogue lists that the gateway refuses with 230.
    #[serde(default)]
    pub refused: Vec<Refusal>,
    /// Models the generated catalogue lacks (for new parameters and answers).
    #[serde(default)]
    pub models: Vec<NewModel>,
    /// Actions the generated catalogue lacks.
    #[serde(default)]
    pub actions: Vec<NewAction>,
    /// Request parameters the catalogue lacks, or types it has wrong.
    #[serde(default)]
    pub params: Vec<NewField>,
    /// Answer fields the catalogue lacks: on an action's answer or in a model.
    #[serde(default)]
    pub answer_fields: Vec<NewField>,
    /// Answer fields the live API names otherwise than the catalogue.
    #[serde(default)]
    pub renamed: Vec<Rename>,
    /// Second names a request parameter is accepted under.
    #[serde(default)]
    pub aliases: Vec<Alias>,
    /// Answer fields that keep the generated SDK's JSON type although a
    /// client reads another: the SDKs check answer types.
    #[serde(default)]
    pub types_kept: Vec<KeptType>,
}

/// An answer field whose JSON type stays the catalogue's, and what reads it otherwise.
#[derive(Debug, Clone, Deserialize)]
pub struct KeptType {
    /// The action whose answer carries it.
    #[serde(default)]
    pub action: Option<String>,
    /// The model that carries it.
    #[serde(default)]
    pub model: Option<String>,
    /// The field and the type it keeps.
    #[serde(flatten)]
    pub field: Field,
    /// What the other client reads there.
    pub client_reads: String,
    /// Where the decision comes from.
    pub source: String,
}

/// A second name of a parameter: either name satisfies its required flag.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Alias {
    /// The action.
    pub action: String,
    /// The catalogue's name.
    pub param: String,
    /// The other name (itself a parameter of the action).
    pub alias: String,
    /// Where it comes from.
    pub source: String,
}

/// One decision of the overlay: an action's parameter and why.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// The action.
    pub action: String,
    /// The parameter.
    pub param: String,
    /// Where the decision comes from.
    pub source: String,
}

/// A parameter the gateway refuses, unless another one is sent with it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Refusal {
    /// The action.
    pub action: String,
    /// The refused parameter.
    pub param: String,
    /// A parameter whose presence makes `param` acceptable.
    #[serde(default)]
    pub unless: Option<String>,
    /// Where the decision comes from.
    pub source: String,
}

/// A model the overlay adds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewModel {
    /// The model's name.
    pub model: String,
    /// Its fields.
    pub fields: Vec<Field>,
    /// Where it comes from.
    pub source: String,
}

/// An action the overlay adds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAction {
    /// The action's name.
    pub action: String,
    /// Its request parameters.
    pub request: Vec<Field>,
    /// Its answer fields.
    pub response: Vec<Field>,
    /// Where it comes from.
    pub source: String,
}

/// A field the overlay adds (or retypes): a parameter of `action`, an answer
/// field of `action`, or a field of `model`.
#[derive(Debug, Clone, Deserialize)]
pub struct NewField {
    /// The action, for a parameter or a top-level answer field.
    #[serde(default)]
    pub action: Option<String>,
    /// The model, for a field inside an answer.
    #[serde(default)]
    pub model: Option<String>,
    /// The field.
    #[serde(flatten)]
    pub field: Field,
    /// Where it comes from.
    pub source: String,
}

/// An answer field the live API names otherwise than the catalogue.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rename {
    /// The action whose answer carries it.
    #[serde(default)]
    pub action: Option<String>,
    /// The model that carries it.
    #[serde(default)]
    pub model: Option<String>,
    /// The catalogue's name.
    pub from: String,
    /// The live name.
    pub to: String,
    /// Where it comes from.
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

    /// Merges the overlay into the generated catalogue `c`. An entry that
    /// names nothing in the catalogue is an error, so a typo cannot silently
    /// do nothing.
    pub fn apply(&self, c: &mut Catalogue) -> Result<(), String> {
        for m in &self.models {
            if c.models.insert(m.model.clone(), m.fields.clone()).is_some() {
                return Err(format!("model {} is already in the catalogue", m.model));
            }
        }
        for a in &self.actions {
            let action = Action {
                request: a.request.clone(),
                response: a.response.clone(),
                sdk_retryable: false,
                refused: Vec::new(),
                aliases: Vec::new(),
            };
            if c.actions.insert(a.action.clone(), action).is_some() {
                return Err(format!("action {} is already in the catalogue", a.action));
            }
        }
        for d in &self.optional {
            let f = param_mut(c, &d.action, &d.param)?;
            f.required = false;
        }
        for d in &self.required {
            param_mut(c, &d.action, &d.param)?.required = true;
        }
        for r in &self.refused {
            param_mut(c, &r.action, &r.param)?;
            if let Some(u) = &r.unless {
                param_mut(c, &r.action, u)?;
            }
            c.actions
                .get_mut(&r.action)
                .expect("checked")
                .refused
                .push(r.clone());
        }
        for p in &self.params {
            let name = p
                .action
                .as_deref()
                .ok_or("a parameter entry needs an action")?;
            let a = c
                .actions
                .get_mut(name)
                .ok_or_else(|| format!("no action {name}"))?;
            match a.request.iter_mut().find(|f| f.name == p.field.name) {
                Some(f) if f.ty == p.field.ty => {
                    return Err(format!("{name}.{} already has that type", p.field.name))
                }
                Some(f) => f.ty = p.field.ty.clone(),
                None => a.request.push(p.field.clone()),
            }
        }
        for f in &self.answer_fields {
            let fields = fields_mut(c, f.action.as_deref(), f.model.as_deref())?;
            match fields.iter_mut().find(|g| g.name == f.field.name) {
                Some(g) if g.ty == f.field.ty => {
                    return Err(format!(
                        "answer field {} already has that type",
                        f.field.name
                    ))
                }
                Some(g) => g.ty = f.field.ty.clone(),
                None => fields.push(f.field.clone()),
            }
        }
        for a in &self.aliases {
            param_mut(c, &a.action, &a.param)?;
            param_mut(c, &a.action, &a.alias)?;
            c.actions
                .get_mut(&a.action)
                .expect("checked")
                .aliases
                .push(a.clone());
        }
        for k in &self.types_kept {
            let fields = fields_mut(c, k.action.as_deref(), k.model.as_deref())?;
            match fields.iter().find(|f| f.name == k.field.name) {
                Some(f) if f.ty == k.field.ty => {}
                _ => {
                    return Err(format!(
                        "no answer field {} of type {}",
                        k.field.name, k.field.ty
                    ))
                }
            }
        }
        for r in &self.renamed {
            let fields = fields_mut(c, r.action.as_deref(), r.model.as_deref())?;
            let f = fields
                .iter_mut()
                .find(|g| g.name == r.from)
                .ok_or_else(|| format!("no answer field {} to rename", r.from))?;
            f.name = r.to.clone();
        }
        Ok(())
    }
}

fn param_mut<'a>(c: &'a mut Catalogue, action: &str, param: &str) -> Result<&'a mut Field, String> {
    c.actions
        .get_mut(action)
        .ok_or_else(|| format!("no action {action}"))?
        .request
        .iter_mut()
        .find(|f| f.name == param)
        .ok_or_else(|| format!("no parameter {action}.{param}"))
}

fn fields_mut<'a>(
    c: &'a mut Catalogue,
    action: Option<&str>,
    model: Option<&str>,
) -> Result<&'a mut Vec<Field>, String> {
    match (action, model) {
        (Some(a), None) => c
            .actions
            .get_mut(a)
            .map(|a| &mut a.response)
            .ok_or_else(|| format!("no action {a}")),
        (None, Some(m)) => c.models.get_mut(m).ok_or_else(|| format!("no model {m}")),
        _ => Err("an answer entry names an action or a model, not both".to_owned()),
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
    /// An object whose keys are data (ids), every value of the inner type.
    Map(Box<Type>),
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
            Map {
                map: Box<Type>,
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
            Raw::Map { map } => Ok(Type::Map(map)),
        }
    }
}

impl Serialize for Type {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            Type::String => s.serialize_str("string"),
            Type::Integer => s.serialize_str("integer"),
            Type::Number => s.serialize_str("number"),
            Type::Boolean => s.serialize_str("boolean"),
            Type::Array(inner) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("array", inner)?;
                m.end()
            }
            Type::Ref(model) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("ref", model)?;
                m.end()
            }
            Type::Map(inner) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("map", inner)?;
                m.end()
            }
        }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
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
            Type::Map(t) => write!(f, "map of {t}"),
        }
    }
}

/// A request parameter or a response/model field.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Field {
    /// The name on the wire.
    pub name: String,
    /// Its JSON type.
    #[serde(rename = "type")]
    pub ty: Type,
    /// Whether a request must carry it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// A public parameter every SDK fills in from its config (Region, Zone, ProjectId).
    #[serde(default, skip_serializing_if = "is_false")]
    pub common: bool,
}

/// One action of the catalogue.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Action {
    /// Request parameters.
    pub request: Vec<Field>,
    /// Fields of the answer, beside `Action`, `RetCode` and `Message`.
    pub response: Vec<Field>,
    /// Whether the SDKs retry it (false for Create*/Publish*).
    #[serde(default)]
    pub sdk_retryable: bool,
    /// Parameters the gateway refuses with 230 when sent, from the overlay.
    #[serde(skip_deserializing, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<Refusal>,
    /// Second names of parameters, from the overlay.
    #[serde(skip_deserializing, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<Alias>,
}

impl Action {
    /// The request parameter of that name.
    pub fn param(&self, name: &str) -> Option<&Field> {
        self.request.iter().find(|f| f.name == name)
    }

    /// Whether `params` carry the parameter `name` under it or an alias.
    pub fn given(&self, name: &str, has: impl Fn(&str) -> bool) -> bool {
        has(name)
            || self
                .aliases
                .iter()
                .any(|a| a.param == name && has(&a.alias))
    }

    /// The answer field of that name.
    pub fn response_field(&self, name: &str) -> Option<&Field> {
        self.response.iter().find(|f| f.name == name)
    }
}

/// The whole catalogue.
#[derive(Debug, Deserialize, Serialize)]
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
            Overlay::get()
                .apply(&mut c)
                .unwrap_or_else(|e| panic!("the catalogue overlay: {e}"));
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
            (Type::Map(inner), Value::Object(obj)) => {
                for (k, item) in obj {
                    self.check(item, inner, &join(path, k))?;
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
            Type::Map(_) => Value::Object(serde_json::Map::new()),
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
        let generated: Catalogue = serde_json::from_str(CATALOGUE_JSON).unwrap();
        assert_eq!(generated.actions.len(), 80);
        let c = Catalogue::get();
        assert_eq!(c.service, "UCompShare");
        fn refs(t: &Type, out: &mut Vec<String>) {
            match t {
                Type::Array(i) | Type::Map(i) => refs(i, out),
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
    fn every_overlay_entry_has_a_source_and_took_effect() {
        let c = Catalogue::get();
        let o = Overlay::get();
        let sources = o
            .optional
            .iter()
            .chain(&o.required)
            .map(|d| &d.source)
            .chain(o.refused.iter().map(|r| &r.source))
            .chain(o.models.iter().map(|m| &m.source))
            .chain(o.actions.iter().map(|a| &a.source))
            .chain(o.params.iter().chain(&o.answer_fields).map(|f| &f.source))
            .chain(o.renamed.iter().map(|r| &r.source))
            .chain(o.aliases.iter().map(|a| &a.source))
            .chain(o.types_kept.iter().map(|k| &k.source));
        for s in sources {
            assert!(
                s.len() > 20,
                "a source says where the decision comes from: {s}"
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
        for d in &o.required {
            assert!(
                c.action(&d.action)
                    .unwrap()
                    .param(&d.param)
                    .unwrap()
                    .required
            );
        }
        for p in &o.params {
            let a = c.action(p.action.as_deref().unwrap()).unwrap();
            assert_eq!(a.param(&p.field.name).unwrap().ty, p.field.ty);
        }
        for r in &o.renamed {
            let fields = match (&r.action, &r.model) {
                (Some(a), _) => &c.action(a).unwrap().response,
                (_, Some(m)) => &c.models[m],
                _ => unreachable!(),
            };
            assert!(fields.iter().any(|f| f.name == r.to));
            assert!(!fields.iter().any(|f| f.name == r.from));
        }
        assert_eq!(c.actions.len(), 80 + o.actions.len());
        let images = c.action("DescribeCompShareImages").unwrap();
        assert_eq!(images.refused.len(), 1);
        assert_eq!(images.refused[0].param, "Limit");
        assert_eq!(images.refused[0].unless.as_deref(), Some("ImageType"));
        assert!(c
            .action("DescribeCompShareCustomImages")
            .unwrap()
            .refused
            .is_empty());
    }

    #[test]
    fn an_overlay_entry_that_names_nothing_is_refused() {
        let base = || -> Catalogue { serde_json::from_str(CATALOGUE_JSON).unwrap() };
        let bad = [
            r#"{"optional":[{"action":"DescribeCompShareInstance","param":"Colour","source":"x"}]}"#,
            r#"{"params":[{"action":"NoSuchAction","name":"A","type":"string","source":"x"}]}"#,
            r#"{"renamed":[{"model":"SupportZone","from":"Nope","to":"Yes","source":"x"}]}"#,
            r#"{"actions":[{"action":"DescribeCompShareInstance","request":[],"response":[],"source":"x"}]}"#,
        ];
        for text in bad {
            let o: Overlay = serde_json::from_str(text).unwrap();
            assert!(o.apply(&mut base()).is_err(), "{text}");
        }
        let typo: Result<Overlay, _> = serde_json::from_str(r#"{"optionals":[]}"#);
        assert!(typo.is_err());
    }

    #[test]
    fn a_map_checks_every_value_and_serializes_as_read() {
        let c = Catalogue::get();
        let ty: Type = serde_json::from_str(r#"{"map":{"ref":"MemberAllocationError"}}"#).unwrap();
        c.check(&json!({"60001": {"Code": 1, "Message": "m"}}), &ty, "F")
            .unwrap();
        let e = c
            .check(&json!({"60001": {"Code": "x"}}), &ty, "F")
            .unwrap_err();
        assert_eq!(e.path, "F.60001.Code");
        assert_eq!(
            serde_json::to_value(&ty).unwrap(),
            json!({"map":{"ref":"MemberAllocationError"}})
        );
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
