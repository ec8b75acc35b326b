//! Evaluations: MLflow assessments, Phoenix / Arize annotations and evaluation columns.

use serde::Serialize;
use serde_json::Value;

/// One judgement about a trace, a span or a session.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Evaluation {
    pub name: String,
    /// `feedback`, `expectation` or `annotation`.
    pub kind: &'static str,
    /// The value as text (`true`, `0.8`, `correct`), if any.
    pub value: Option<String>,
    pub rationale: Option<String>,
    /// The scorer failed: this is not a verdict on the trace.
    pub scorer_error: Option<String>,
    pub source: Option<String>,
    /// The span it is about, when it names one (id text as in the file).
    #[serde(skip)]
    pub span_ref: Option<String>,
    /// The trace it is about, when a stand-alone annotation names one.
    #[serde(skip)]
    pub trace_ref: Option<String>,
    /// The session it is about, when its metadata names one (session-level assessment).
    pub session: Option<String>,
    /// The document it judges, by its position in the span's retrieved documents (Phoenix
    /// `DocumentEvaluations`, `document_position`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<u64>,
}

impl Evaluation {
    /// Its name as shown: with the document it judges, if it judges one.
    pub fn shown_name(&self) -> std::borrow::Cow<'_, str> {
        match self.document {
            Some(d) => format!("{} (document {d})", self.name).into(),
            None => self.name.as_str().into(),
        }
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn str_at<'v>(v: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(v, |v, k| v.get(k))
}

/// The session a piece of assessment metadata names (`mlflow.trace.session` or similar).
fn session_in_metadata(meta: Option<&Value>) -> Option<String> {
    let obj = meta?.as_object()?;
    obj.iter()
        .find(|(k, _)| {
            matches!(
                k.as_str(),
                "mlflow.trace.session" | "session_id" | "session.id" | "mlflow.session"
            )
        })
        .and_then(|(_, v)| text(v))
}

/// Parses one MLflow 3 assessment object.
pub fn mlflow_assessment(bytes: &[u8]) -> Option<Evaluation> {
    let v: Value = serde_json::from_slice(&crate::json::lenient(bytes)).ok()?;
    let name = v
        .get("assessment_name")
        .or_else(|| v.get("name"))
        .and_then(text)?;
    let (kind, body) = if let Some(f) = v.get("feedback") {
        ("feedback", f)
    } else if let Some(e) = v.get("expectation") {
        ("expectation", e)
    } else {
        ("feedback", &Value::Null)
    };
    let scorer_error = body.get("error").filter(|e| !e.is_null()).map(|e| {
        let code = e.get("error_code").and_then(text);
        let msg = e.get("error_message").and_then(text);
        match (code, msg) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            (c, m) => c.or(m).unwrap_or_else(|| e.to_string()),
        }
    });
    let source = str_at(&v, &["source", "source_type"])
        .and_then(text)
        .map(
            |t| match str_at(&v, &["source", "source_id"]).and_then(text) {
                Some(id) => format!("{t} {id}"),
                None => t,
            },
        );
    Some(Evaluation {
        name,
        kind,
        value: body.get("value").and_then(text),
        rationale: v.get("rationale").and_then(text),
        scorer_error,
        source,
        span_ref: v.get("span_id").and_then(text).filter(|s| !s.is_empty()),
        trace_ref: None,
        session: session_in_metadata(v.get("metadata")),
        document: None,
    })
}

/// Parses one Phoenix / Arize annotation: the REST shape `{name, result: {label, score,
/// explanation}, span_id | trace_id | session_id}`, the dataframe shape (`annotation_name`,
/// `result.label`, …), or the fields at the top level.
pub fn annotation(bytes: &[u8]) -> Option<Evaluation> {
    let v: Value = serde_json::from_slice(&crate::json::lenient(bytes)).ok()?;
    let name = v
        .get("name")
        .or_else(|| v.get("annotation_name"))
        .and_then(text)?;
    let result = v.get("result").filter(|r| r.is_object()).unwrap_or(&v);
    let field = |k: &str| {
        result
            .get(k)
            .or_else(|| v.get(format!("result.{k}").as_str()))
            .and_then(text)
    };
    let label = field("label");
    let score = field("score");
    let value = match (label, score) {
        (Some(l), Some(s)) => Some(format!("{l} ({s})")),
        (l, s) => l.or(s),
    };
    Some(Evaluation {
        name,
        kind: "annotation",
        value,
        rationale: field("explanation"),
        scorer_error: v.get("error").and_then(text),
        source: v.get("annotator_kind").and_then(text),
        span_ref: v.get("span_id").and_then(text),
        trace_ref: v.get("trace_id").and_then(text),
        session: v.get("session_id").and_then(text),
        document: v.get("document_position").and_then(Value::as_u64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mlflow_feedback_and_scorer_error() {
        let ok = mlflow_assessment(
            br#"{"assessment_name":"correctness","source":{"source_type":"LLM_JUDGE","source_id":"gpt-4o"},
                "feedback":{"value":true},"rationale":"2+2 is 4","metadata":{"k":"v"}}"#,
        )
        .unwrap();
        assert_eq!(ok.value.as_deref(), Some("true"));
        assert_eq!(ok.rationale.as_deref(), Some("2+2 is 4"));
        assert_eq!(ok.scorer_error, None);
        assert_eq!(ok.source.as_deref(), Some("LLM_JUDGE gpt-4o"));
        let err = mlflow_assessment(
            br#"{"assessment_name":"helpfulness","feedback":{"value":null,
                "error":{"error_code":"ValueError","error_message":"judge timed out"}}}"#,
        )
        .unwrap();
        assert_eq!(
            err.scorer_error.as_deref(),
            Some("ValueError: judge timed out")
        );
        assert_eq!(err.value, None);
    }

    #[test]
    fn session_level_assessment() {
        let e = mlflow_assessment(
            br#"{"assessment_name":"resolved","feedback":{"value":"yes"},"metadata":{"mlflow.trace.session":"s1"}}"#,
        )
        .unwrap();
        assert_eq!(e.session.as_deref(), Some("s1"));
    }

    #[test]
    fn dataframe_annotation() {
        let a = annotation(
            br#"{"span_id":"196807020b85c799","annotation_name":"helpfulness","annotator_kind":"HUMAN","result.label":"helpful","result.score":1.0,"result.explanation":"ok"}"#,
        )
        .unwrap();
        assert_eq!(
            (a.name.as_str(), a.value.as_deref()),
            ("helpfulness", Some("helpful (1.0)"))
        );
        assert_eq!(a.span_ref.as_deref(), Some("196807020b85c799"));
        assert_eq!(a.rationale.as_deref(), Some("ok"));
    }

    #[test]
    fn document_annotation() {
        let a = annotation(
            br#"{"span_id":"ab","annotation_name":"relevance","result.label":"relevant","document_position":2}"#,
        )
        .unwrap();
        assert_eq!(a.document, Some(2));
        assert_eq!(a.shown_name(), "relevance (document 2)");
        assert_eq!(a.value.as_deref(), Some("relevant"));
    }

    #[test]
    fn phoenix_annotation() {
        let a = annotation(
            br#"{"name":"relevance","annotator_kind":"LLM","result":{"label":"relevant","score":0.9,"explanation":"on topic"}}"#,
        )
        .unwrap();
        assert_eq!(a.value.as_deref(), Some("relevant (0.9)"));
        assert_eq!(a.rationale.as_deref(), Some("on topic"));
    }
}
