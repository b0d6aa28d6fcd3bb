//! Canned answers: fixed answers for actions the mock keeps no state for,
//! read from `responses/<Action>.json` of a fixture set. A file holds one
//! answer object, or a list of `{"match": {params}, "answer": {...}}` cases
//! tried in order. Every answer is checked against the catalogue, completed
//! with the neutral value of each field it leaves out, and rendered to JSON
//! once at start-up; a request only picks a case and, for a paged action,
//! slices the pre-rendered list.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::error::FixtureError;
use crate::wire::envelope::Answer;
use compshare_protocol::catalogue::{json_kind, Action, Catalogue, Field, Mismatch, Type};
use compshare_protocol::encode::flatten;
use compshare_protocol::params::Params;

/// Parameters every SDK sends from its config whether or not the action
/// lists them; a case may match on them for any action.
pub const COMMON_PARAMS: &[&str] = &["Region", "Zone", "ProjectId"];

/// How a paged action's answer is paged: the action takes `Offset` and
/// `Limit`, and its answer has one list and a count of the whole list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paging {
    /// The answer field holding the list (`ImageSet`, `OrderInfos`).
    pub list: String,
    /// The answer field counting the list before paging (`TotalCount` or `Total`).
    pub count: String,
    /// The answer has an integer `Offset`, set to the page's offset.
    pub echo_offset: bool,
    /// The answer has an integer `Limit`, set to the page's limit.
    pub echo_limit: bool,
}

/// The paging of `action`, if it is paged: `Offset` and `Limit` request
/// parameters, an integer `TotalCount` (else `Total`) answer field, and one
/// list field — the only list of objects, else the only list.
pub fn paging(action: &Action) -> Option<Paging> {
    action.param("Offset")?;
    action.param("Limit")?;
    let is_int = |name: &str| {
        action
            .response_field(name)
            .is_some_and(|f| f.ty == Type::Integer)
    };
    let count = ["TotalCount", "Total"].into_iter().find(|n| is_int(n))?;
    let lists: Vec<&Field> = action
        .response
        .iter()
        .filter(|f| matches!(f.ty, Type::Array(_)))
        .collect();
    let of_objects: Vec<&Field> = lists
        .iter()
        .copied()
        .filter(|f| matches!(&f.ty, Type::Array(inner) if matches!(**inner, Type::Ref(_))))
        .collect();
    let list = match (of_objects.as_slice(), lists.as_slice()) {
        ([one], _) | ([], [one]) => *one,
        _ => return None,
    };
    Some(Paging {
        list: list.name.clone(),
        count: count.to_owned(),
        echo_offset: is_int("Offset"),
        echo_limit: is_int("Limit"),
    })
}

/// One answer, every field of the action rendered in catalogue order; the
/// list of a paged action is also kept item by item, to slice.
#[derive(Debug)]
struct Prepared {
    fields: Vec<(String, Box<RawValue>)>,
    paged: Option<(Paging, Vec<Box<RawValue>>)>,
}

impl Prepared {
    /// Renders a (checked) answer object: given fields completed with the
    /// neutral values of the fields of their models, absent fields neutral.
    fn new(catalogue: &Catalogue, action: &Action, answer: &Map<String, Value>) -> Prepared {
        let paging = paging(action);
        let mut fields = Vec::with_capacity(action.response.len());
        let mut paged = None;
        for f in &action.response {
            let value = match answer.get(&f.name) {
                Some(v) => fill(catalogue, v, &f.ty, 0),
                None => catalogue.neutral(&f.ty, 0),
            };
            if let Some(p) = paging.as_ref().filter(|p| p.list == f.name) {
                let items = match &value {
                    Value::Array(items) => items.iter().map(raw).collect(),
                    _ => Vec::new(),
                };
                paged = Some((p.clone(), items));
            }
            fields.push((f.name.clone(), raw(&value)));
        }
        Prepared { fields, paged }
    }

    /// The answer to one request: as rendered, or for a paged action the
    /// page `[Offset, Offset+Limit)` of the list with the count of all of it.
    fn render(&self, params: &Params) -> Result<Answer, ApiError> {
        let Some((paging, items)) = &self.paged else {
            return Ok(self
                .fields
                .iter()
                .fold(Answer::new(), |a, (k, v)| a.raw_field(k, v)));
        };
        let page = crate::paging::page(params)?;
        let start = page.offset.min(items.len());
        let end = start.saturating_add(page.limit).min(items.len());
        let mut answer = Answer::new();
        for (k, v) in &self.fields {
            answer = if *k == paging.list {
                answer.raw_field(k, &raw_list(&items[start..end]))
            } else if *k == paging.count {
                answer.field(k, &items.len())
            } else if paging.echo_offset && k == "Offset" {
                answer.field(k, &page.offset)
            } else if paging.echo_limit && k == "Limit" {
                answer.field(k, &page.limit)
            } else {
                answer.raw_field(k, v)
            };
        }
        Ok(answer)
    }
}

/// Completes a value of type `ty` with the neutral value of every model
/// field it leaves out, in catalogue order, as the neutral answers have them.
fn fill(catalogue: &Catalogue, value: &Value, ty: &Type, depth: usize) -> Value {
    match (ty, value) {
        (Type::Array(inner), Value::Array(items)) => Value::Array(
            items
                .iter()
                .map(|v| fill(catalogue, v, inner, depth))
                .collect(),
        ),
        (Type::Ref(model), Value::Object(obj)) => {
            let Some(fields) = catalogue.models.get(model) else {
                return value.clone();
            };
            let mut out = Map::with_capacity(fields.len());
            for f in fields {
                let v = match obj.get(&f.name) {
                    Some(v) => fill(catalogue, v, &f.ty, depth + 1),
                    None => catalogue.neutral(&f.ty, depth + 1),
                };
                out.insert(f.name.clone(), v);
            }
            Value::Object(out)
        }
        _ => value.clone(),
    }
}

fn raw(value: &Value) -> Box<RawValue> {
    serde_json::value::to_raw_value(value).unwrap_or_else(|_| null())
}

fn null() -> Box<RawValue> {
    RawValue::from_string("null".to_owned()).expect("null is JSON")
}

/// A JSON list of already rendered items.
fn raw_list(items: &[Box<RawValue>]) -> Box<RawValue> {
    let mut s = String::with_capacity(2 + items.iter().map(|i| i.get().len() + 1).sum::<usize>());
    s.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(item.get());
    }
    s.push(']');
    // Items are valid JSON, so the list is; fall back to an empty one anyway.
    RawValue::from_string(s)
        .unwrap_or_else(|_| RawValue::from_string("[]".to_owned()).expect("[] is JSON"))
}

/// One case: the flat parameter values it needs, and its answer.
#[derive(Debug)]
struct Case {
    when: Vec<(String, String)>,
    answer: Prepared,
}

impl Case {
    /// Whether every match parameter equals the request's value (an absent
    /// parameter counts as `""`, as an empty one counts as absent).
    fn matches(&self, params: &Params) -> bool {
        self.when
            .iter()
            .all(|(k, v)| params.get(k).unwrap_or("") == v)
    }
}

/// The canned answer of one action: its cases in file order (a file with a
/// single answer object is one case that matches every request).
#[derive(Debug)]
pub struct Canned {
    cases: Vec<Case>,
}

impl Canned {
    /// Parses and checks the text of `responses/<action>.json`; `file` names
    /// it in errors.
    pub fn parse(file: &str, action_name: &str, text: &str) -> Result<Canned, FixtureError> {
        let catalogue = Catalogue::get();
        let Some(action) = catalogue.action(action_name) else {
            return Err(FixtureError::new(
                file,
                None,
                None,
                format!(
                    "{action_name} is not an action of the catalogue (name the file <Action>.json)"
                ),
            ));
        };
        let refuse = |index: Option<usize>, m: Mismatch| {
            let field = (!m.path.is_empty()).then_some(m.path.as_str());
            FixtureError::new(file, index, field, m.problem)
        };
        let value: Value = serde_json::from_str(text)
            .map_err(|e| FixtureError::new(file, None, None, format!("invalid JSON: {e}")))?;
        let cases = match &value {
            Value::Object(answer) => {
                catalogue
                    .check_fields(answer, &action.response, "")
                    .map_err(|m| refuse(None, m))?;
                vec![Case {
                    when: Vec::new(),
                    answer: Prepared::new(catalogue, action, answer),
                }]
            }
            Value::Array(entries) => entries
                .iter()
                .enumerate()
                .map(|(i, e)| parse_case(catalogue, action, e).map_err(|m| refuse(Some(i), m)))
                .collect::<Result<Vec<_>, _>>()?,
            other => {
                return Err(FixtureError::new(
                    file,
                    None,
                    None,
                    format!(
                        "expected an answer object or a list of {{\"match\", \"answer\"}} cases, found {}",
                        json_kind(other)
                    ),
                ))
            }
        };
        Ok(Canned { cases })
    }

    /// The answer of the first case that matches, `None` when none does.
    pub fn answer(&self, params: &Params) -> Option<Result<Answer, ApiError>> {
        self.cases
            .iter()
            .find(|c| c.matches(params))
            .map(|c| c.answer.render(params))
    }

    /// The number of cases.
    pub fn cases(&self) -> usize {
        self.cases.len()
    }
}

fn mismatch(path: &str, problem: impl Into<String>) -> Mismatch {
    Mismatch {
        path: path.to_owned(),
        problem: problem.into(),
    }
}

/// One `{"match": {...}, "answer": {...}}` entry; paths in errors are
/// relative to the entry (`answer.OrderInfos.0.Count`, `match.UHostId`).
fn parse_case(catalogue: &Catalogue, action: &Action, entry: &Value) -> Result<Case, Mismatch> {
    let Value::Object(obj) = entry else {
        return Err(mismatch(
            "",
            format!(
                "expected an object with \"answer\" and an optional \"match\", found {}",
                json_kind(entry)
            ),
        ));
    };
    if let Some(k) = obj.keys().find(|k| *k != "match" && *k != "answer") {
        return Err(mismatch(k, "not a key of a case (\"match\", \"answer\")"));
    }
    let answer = match obj.get("answer") {
        Some(Value::Object(a)) => a,
        Some(v) => {
            return Err(mismatch(
                "answer",
                format!("expected object, found {}", json_kind(v)),
            ))
        }
        None => return Err(mismatch("answer", "missing")),
    };
    catalogue.check_fields(answer, &action.response, "answer")?;
    let when = match obj.get("match") {
        None => Vec::new(),
        Some(Value::Object(m)) => match_params(action, m)?,
        Some(v) => {
            return Err(mismatch(
                "match",
                format!("expected object, found {}", json_kind(v)),
            ))
        }
    };
    Ok(Case {
        when,
        answer: Prepared::new(catalogue, action, answer),
    })
}

/// The flat wire pairs a case needs. Each key must be a request parameter
/// of the action (or Region, Zone, ProjectId); a nested value is flattened
/// as the SDKs flatten it (`{"UHostIds": ["a"]}` needs `UHostIds.0=a`).
fn match_params(
    action: &Action,
    m: &Map<String, Value>,
) -> Result<Vec<(String, String)>, Mismatch> {
    let mut out = Vec::with_capacity(m.len());
    for (k, v) in m {
        let path = format!("match.{k}");
        let top = k.split('.').next().unwrap_or(k);
        if action.param(top).is_none() && !COMMON_PARAMS.contains(&top) {
            return Err(mismatch(&path, "not a request parameter of the action"));
        }
        let mut one = Map::new();
        one.insert(k.clone(), v.clone());
        let pairs = flatten(&one);
        if pairs.is_empty() {
            return Err(mismatch(
                &path,
                format!("expected a value to match, found {}", json_kind_or_empty(v)),
            ));
        }
        out.extend(pairs);
    }
    Ok(out)
}

fn json_kind_or_empty(v: &Value) -> &'static str {
    match v {
        Value::Array(a) if a.is_empty() => "an empty array",
        Value::Object(o) if o.is_empty() => "an empty object",
        other => json_kind(other),
    }
}

/// The canned answers of a fixture set, by action; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct CannedAnswers(Arc<HashMap<String, Canned>>);

impl CannedAnswers {
    /// Parses and checks response files, each given as its path relative to
    /// the fixture set (`responses/<Action>.json`, which names the action)
    /// and its text. Files are checked in the order given; the first bad
    /// one is refused with its name, the entry's index and the field.
    pub fn from_files<I, N, T>(files: I) -> Result<CannedAnswers, FixtureError>
    where
        I: IntoIterator<Item = (N, T)>,
        N: AsRef<str>,
        T: AsRef<str>,
    {
        let mut map = HashMap::new();
        for (file, text) in files {
            let file = file.as_ref();
            let path = Path::new(file);
            let action = match (path.file_stem(), path.extension()) {
                (Some(stem), Some(ext)) if ext == "json" => stem.to_string_lossy().into_owned(),
                _ => {
                    return Err(FixtureError::new(
                        file,
                        None,
                        None,
                        "a response file is named <Action>.json",
                    ))
                }
            };
            let canned = Canned::parse(file, &action, text.as_ref())?;
            map.insert(action, canned);
        }
        Ok(CannedAnswers(Arc::new(map)))
    }

    /// The canned answer of `action`, if the set has one.
    pub fn get(&self, action: &str) -> Option<&Canned> {
        self.0.get(action)
    }

    /// Whether the set has a canned answer for `action`.
    pub fn contains(&self, action: &str) -> bool {
        self.0.contains_key(action)
    }

    /// The actions with a canned answer, sorted.
    pub fn actions(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.0.keys().map(String::as_str).collect();
        v.sort_unstable();
        v
    }

    /// The number of actions with a canned answer.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The canned answer of `action` to a request: `None` when the set has
    /// none for it or no case matches.
    pub fn answer(&self, action: &str, params: &Params) -> Option<Result<Answer, ApiError>> {
        self.get(action)?.answer(params)
    }
}

/// The neutral answer of an action, paged like a canned one when the
/// action is paged (so `Offset`/`Limit` are checked and echoed the same
/// way); rendered once per action.
pub fn neutral_answer(
    catalogue: &Catalogue,
    name: &str,
    action: &Action,
    params: &Params,
) -> Result<Answer, ApiError> {
    static NEUTRAL: OnceLock<HashMap<String, Prepared>> = OnceLock::new();
    let all = NEUTRAL.get_or_init(|| {
        let c = Catalogue::get();
        c.actions
            .iter()
            .map(|(n, a)| (n.clone(), Prepared::new(c, a, &Map::new())))
            .collect()
    });
    match all.get(name) {
        Some(prepared) => prepared.render(params),
        None => Ok(neutral(catalogue, action)),
    }
}

/// The neutral answer of an action: each response field with its type's
/// empty value.
pub fn neutral(catalogue: &Catalogue, action: &Action) -> Answer {
    let mut a = Answer::new();
    for f in &action.response {
        a = a.field(&f.name, &catalogue.neutral(&f.ty, 0));
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(pairs: &[(&str, &str)]) -> Params {
        pairs.iter().copied().collect()
    }

    fn body(answer: &Answer) -> Value {
        serde_json::from_slice(&crate::wire::envelope::render_success(Some("X"), answer)).unwrap()
    }

    fn refusal(action: &str, text: &str) -> String {
        Canned::parse(&format!("responses/{action}.json"), action, text)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn the_paged_actions_are_the_ones_with_offset_limit_a_list_and_a_count() {
        let c = Catalogue::get();
        let mut paged: Vec<(&str, String, String)> = c
            .actions
            .iter()
            .filter_map(|(n, a)| paging(a).map(|p| (n.as_str(), p.list, p.count)))
            .collect();
        paged.sort();
        let want = [
            ("DescribeCompShareCustomImages", "ImageSet", "TotalCount"),
            ("DescribeCompShareImages", "ImageSet", "TotalCount"),
            ("DescribeCompShareInstance", "UHostSet", "TotalCount"),
            ("DescribeCompShareSharingImages", "ImageSet", "TotalCount"),
            (
                "DescribeSelfCommunityImages",
                "CompshareImageGroup",
                "TotalCount",
            ),
            ("DescribeTeamMemberOrder", "OrderInfos", "Total"),
            ("DescribeTeamMemberUnpaidOrder", "OrderInfos", "Total"),
            ("DescribeULHostImage", "ImageSet", "TotalCount"),
            (
                "DescribeUserCommunityImages",
                "CompshareImageGroup",
                "TotalCount",
            ),
            ("ListCompShareTeamOperateLog", "Logs", "Total"),
        ];
        let want: Vec<(&str, String, String)> = want
            .iter()
            .map(|(a, l, n)| (*a, l.to_string(), n.to_string()))
            .collect();
        assert_eq!(paged, want);
        let order = paging(c.action("DescribeTeamMemberOrder").unwrap()).unwrap();
        assert!(order.echo_offset && order.echo_limit);
        let images = paging(c.action("DescribeCompShareImages").unwrap()).unwrap();
        assert!(!images.echo_offset && !images.echo_limit);
    }

    #[test]
    fn a_single_answer_is_completed_with_neutral_fields_in_catalogue_order() {
        let canned = Canned::parse(
            "f",
            "DescribeCompShareSoftwarePort",
            r#"{"SoftwarePort": [{"Software": "JupyterLab"}]}"#,
        )
        .unwrap();
        let a = canned.answer(&params(&[])).unwrap().unwrap();
        assert_eq!(
            body(&a),
            json!({"Action": "XResponse", "RetCode": 0,
                   "SoftwarePort": [{"Port": 0, "Software": "JupyterLab"}]})
        );
        let canned = Canned::parse(
            "f",
            "CheckULHostResourceCapacity",
            r#"{"ResourceEnough": true}"#,
        )
        .unwrap();
        let a = canned.answer(&params(&[])).unwrap().unwrap();
        let names: Vec<String> = a.fields().map(|(k, _)| k.into_owned()).collect();
        assert_eq!(names, ["Message", "ResourceEnough"]);
        assert_eq!(body(&a)["ResourceEnough"], json!(true));
    }

    #[test]
    fn the_first_case_whose_every_match_param_equals_the_request_wins() {
        let text = r#"[
            {"match": {"Region": "cn-bj2", "UHostId": "uhost-1"}, "answer": {"UHostId": "first"}},
            {"match": {"UHostId": "uhost-1"}, "answer": {"UHostId": "second"}},
            {"match": {"Zone": ""}, "answer": {"UHostId": "no-zone"}}
        ]"#;
        let canned = Canned::parse("f", "StartCompShareInstance", text).unwrap();
        let pick = |pairs: &[(&str, &str)]| {
            canned
                .answer(&params(pairs))
                .map(|a| body(&a.unwrap())["UHostId"].as_str().unwrap().to_owned())
        };
        let z = ("Zone", "cn-bj2-02");
        assert_eq!(
            pick(&[("Region", "cn-bj2"), z, ("UHostId", "uhost-1")]).as_deref(),
            Some("first")
        );
        assert_eq!(
            pick(&[("Region", "cn-wlcb"), z, ("UHostId", "uhost-1")]).as_deref(),
            Some("second")
        );
        assert_eq!(
            pick(&[("Region", "cn-wlcb"), ("UHostId", "uhost-2")]).as_deref(),
            Some("no-zone")
        );
        assert_eq!(
            pick(&[("Region", "cn-wlcb"), z, ("UHostId", "uhost-2")]),
            None
        );
    }

    #[test]
    fn a_nested_match_value_is_compared_flattened() {
        let text = r#"[{"match": {"UHostIds": ["a", "b"], "WithoutGpu": true}, "answer": {"TotalCount": 7}}]"#;
        let canned = Canned::parse("f", "GetCompShareRefundPrice", text);
        assert!(canned.is_err(), "TotalCount is not a field of that answer");
        let text = r#"[{"match": {"UHostIds": ["a", "b"]}, "answer": {"RefundPriceSet": [{"UHostId": "a"}]}}]"#;
        let canned = Canned::parse("f", "GetCompShareRefundPrice", text).unwrap();
        assert!(canned
            .answer(&params(&[("UHostIds.0", "a"), ("UHostIds.1", "b")]))
            .is_some());
        assert!(canned.answer(&params(&[("UHostIds.0", "a")])).is_none());
    }

    #[test]
    fn a_paged_canned_list_is_paged_like_the_custom_images() {
        let orders: Vec<Value> = (0..25)
            .map(|i| json!({"OrderNo": format!("o{i}")}))
            .collect();
        let text = json!({"OrderInfos": orders, "Total": 999}).to_string();
        let canned = Canned::parse("f", "DescribeTeamMemberOrder", &text).unwrap();
        let page =
            |pairs: &[(&str, &str)]| canned.answer(&params(pairs)).unwrap().map(|a| body(&a));
        let first = page(&[]).unwrap();
        assert_eq!(first["Total"], 25);
        assert_eq!(first["OrderInfos"].as_array().unwrap().len(), 20);
        assert_eq!(first["OrderInfos"][0]["OrderNo"], "o0");
        assert_eq!(
            (first["Offset"].clone(), first["Limit"].clone()),
            (json!(0), json!(20))
        );
        let second = page(&[("Offset", "20"), ("Limit", "10")]).unwrap();
        let nos: Vec<&str> = second["OrderInfos"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["OrderNo"].as_str().unwrap())
            .collect();
        assert_eq!(nos, ["o20", "o21", "o22", "o23", "o24"]);
        assert_eq!(
            (second["Offset"].clone(), second["Limit"].clone()),
            (json!(20), json!(10))
        );
        let past = page(&[("Offset", "40")]).unwrap();
        assert_eq!(
            (past["Total"].clone(), past["OrderInfos"].clone()),
            (json!(25), json!([]))
        );
        assert_eq!(page(&[("Limit", "500")]).unwrap()["Limit"], 100);
        assert_eq!(
            page(&[("Offset", "-1")]),
            Err(ApiError::ParamsNotAvailable("Offset".into()))
        );
    }

    #[test]
    fn a_neutral_paged_answer_checks_and_echoes_offset_and_limit() {
        let c = Catalogue::get();
        let name = "DescribeTeamMemberUnpaidOrder";
        let a = c.action(name).unwrap();
        let ans = neutral_answer(c, name, a, &params(&[("Offset", "5")])).unwrap();
        let b = body(&ans);
        assert_eq!(
            (
                b["Offset"].clone(),
                b["Limit"].clone(),
                b["Total"].clone(),
                b["OrderInfos"].clone()
            ),
            (json!(5), json!(20), json!(0), json!([]))
        );
        assert_eq!(
            neutral_answer(c, name, a, &params(&[("Limit", "-3")])).unwrap_err(),
            ApiError::ParamsNotAvailable("Limit".into())
        );
        let plain = c.action("AttachUS3").unwrap();
        assert_eq!(
            neutral_answer(c, "AttachUS3", plain, &params(&[("Limit", "-3")]))
                .unwrap()
                .fields()
                .count(),
            0
        );
    }

    #[test]
    fn a_bad_answer_is_refused_with_file_entry_and_field_path() {
        assert_eq!(
            refusal(
                "DescribeTeamMemberOrder",
                r#"[{"answer": {"OrderInfos": []}}, {"answer": {"OrderInfos": [{"Count": "two"}]}}]"#
            ),
            "responses/DescribeTeamMemberOrder.json: entry 1: field answer.OrderInfos.0.Count: expected integer, found string"
        );
        assert_eq!(
            refusal("DescribeCompShareSoftwarePort", r#"{"SoftwarePort": [{"Port": 8888, "Url": "x"}]}"#),
            "responses/DescribeCompShareSoftwarePort.json: field SoftwarePort.0.Url: not a field of the model"
        );
        assert_eq!(
            refusal("DescribeCompShareSoftwarePort", r#"{"RetCode": 0}"#),
            "responses/DescribeCompShareSoftwarePort.json: field RetCode: not a field of the model"
        );
        assert_eq!(
            refusal("StartCompShareInstance", r#"[{"match": {"UhostId": "u"}, "answer": {}}]"#),
            "responses/StartCompShareInstance.json: entry 0: field match.UhostId: not a request parameter of the action"
        );
        assert_eq!(
            refusal("StartCompShareInstance", r#"[{"match": {"UHostId": null}, "answer": {}}]"#),
            "responses/StartCompShareInstance.json: entry 0: field match.UHostId: expected a value to match, found null"
        );
        assert_eq!(
            refusal("StartCompShareInstance", r#"[{"answer": {}, "when": {}}]"#),
            r#"responses/StartCompShareInstance.json: entry 0: field when: not a key of a case ("match", "answer")"#
        );
        assert_eq!(
            refusal("StartCompShareInstance", r#"[{"match": {}}]"#),
            "responses/StartCompShareInstance.json: entry 0: field answer: missing"
        );
        assert_eq!(
            refusal("StartCompShareInstance", "7"),
            r#"responses/StartCompShareInstance.json: expected an answer object or a list of {"match", "answer"} cases, found integer"#
        );
        assert!(refusal("StartCompShareInstance", "{").contains("invalid JSON"));
    }

    #[test]
    fn a_file_not_named_after_an_action_is_refused() {
        let e =
            CannedAnswers::from_files([("responses/DescribeEverything.json", "{}")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "responses/DescribeEverything.json: DescribeEverything is not an action of the catalogue (name the file <Action>.json)"
        );
        let e = CannedAnswers::from_files([("responses/AttachUS3.yaml", "{}")]).unwrap_err();
        assert_eq!(e.file, "responses/AttachUS3.yaml");
        let set = CannedAnswers::from_files([
            ("responses/AttachUS3.json", "{}"),
            (
                "responses/CheckCompShareNetOptimizer.json",
                r#"{"Optimized": true}"#,
            ),
        ])
        .unwrap();
        assert_eq!(set.actions(), ["AttachUS3", "CheckCompShareNetOptimizer"]);
        assert!(set.contains("AttachUS3") && !set.contains("AttachCompshareDisk"));
        assert!(set.answer("AttachCompshareDisk", &params(&[])).is_none());
    }
}
