//! Terraform's built-in functions for hcl-rs evaluation.
//!
//! Placeholder on the `tf-hcl` branch: only `length` and `concat`, so that
//! the HCL frontend can be tested; the full module comes from another
//! branch.

use hcl::Value;
use hcl::eval::{FuncArgs, FuncDef, ParamType};

fn length(args: FuncArgs) -> Result<Value, String> {
    match &args[0] {
        Value::Array(items) => Ok(Value::from(items.len() as u64)),
        Value::Object(map) => Ok(Value::from(map.len() as u64)),
        Value::String(s) => Ok(Value::from(s.chars().count() as u64)),
        other => Err(format!("length: unsupported value `{other}`")),
    }
}

fn concat(args: FuncArgs) -> Result<Value, String> {
    let mut out = Vec::new();
    for arg in args.iter() {
        match arg {
            Value::Array(items) => out.extend(items.iter().cloned()),
            other => return Err(format!("concat: not a list: `{other}`")),
        }
    }
    Ok(Value::Array(out))
}

/// The functions to declare in an `hcl::eval::Context`.
pub fn context_functions() -> Vec<(&'static str, FuncDef)> {
    vec![
        ("length", FuncDef::new(length, [ParamType::Any])),
        (
            "concat",
            FuncDef::builder()
                .variadic_param(ParamType::Any)
                .build(concat),
        ),
    ]
}
