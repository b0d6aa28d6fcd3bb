//! Catalogue-driven request validation, the same for every action: required
//! parameters (210), value types (230), the Region/Zone pair and the GPU type
//! (230); then the few parameters the live gateway refuses for one action.

use crate::domain::{region_of_zone, zones_of, GPU_TYPES};
use crate::error::ApiError;
use compshare_protocol::catalogue::{Action, Catalogue, Type};
use compshare_protocol::params::Params;

/// 230 when `params` carry a parameter the gateway refuses for `action`
/// (the catalogue overlay's `refused` list, `docs/PROTOCOL.md` §4).
pub fn refused_params(action: &Action, params: &Params) -> Result<(), ApiError> {
    let refused = |r: &&compshare_protocol::catalogue::Refusal| {
        params.get(&r.param).is_some()
            && r.unless.as_deref().is_none_or(|u| params.get(u).is_none())
    };
    match action.refused.iter().find(refused) {
        Some(r) => Err(not_available(&r.param)),
        None => Ok(()),
    }
}

/// Validates `params` against `action`: first every required parameter
/// (210 names the first missing one, in catalogue order), then every given
/// value's type, then Region and Zone, then `GpuType` when the action takes
/// one (230).
pub fn validate(catalogue: &Catalogue, action: &Action, params: &Params) -> Result<(), ApiError> {
    if let Some(missing) = action
        .request
        .iter()
        .find(|f| f.required && !action.given(&f.name, |n| params.has(n)))
    {
        return Err(ApiError::MissingParams(missing.name.clone()));
    }
    for field in &action.request {
        check_param(catalogue, &field.name, &field.ty, params)?;
    }
    if let Some(region) = params.get("Region") {
        let zones = zones_of(region).ok_or_else(|| not_available("Region"))?;
        if let Some(zone) = params.get("Zone") {
            if !zones.contains(&zone) {
                return Err(not_available("Zone"));
            }
        }
    } else if let Some(zone) = params.get("Zone") {
        region_of_zone(zone).ok_or_else(|| not_available("Zone"))?;
    }
    if action.param("GpuType").is_some() {
        if let Some(gpu) = params.get("GpuType") {
            if !GPU_TYPES.contains(&gpu) {
                return Err(not_available("GpuType"));
            }
        }
    }
    Ok(())
}

fn not_available(name: &str) -> ApiError {
    ApiError::ParamsNotAvailable(name.to_owned())
}

fn check_param(
    catalogue: &Catalogue,
    name: &str,
    ty: &Type,
    params: &Params,
) -> Result<(), ApiError> {
    match ty {
        Type::Array(inner) => {
            // A bare `Name=v` for a list of scalars is read as one item.
            if let (Some(value), false) = (params.get(name), matches!(**inner, Type::Ref(_))) {
                check_scalar(name, inner, value)?;
            }
            for (rest, value) in params.children(name) {
                let (index, sub) = rest.split_once('.').unwrap_or((rest, ""));
                if index.parse::<u32>().is_err() {
                    return Err(not_available(name));
                }
                match (inner.as_ref(), sub) {
                    (Type::Ref(model), field) if !field.is_empty() => {
                        check_model_field(catalogue, name, model, field, value)?
                    }
                    (Type::Ref(_) | Type::Array(_) | Type::Map(_), _) => {
                        return Err(not_available(name))
                    }
                    (scalar, "") => check_scalar(name, scalar, value)?,
                    _ => return Err(not_available(name)),
                }
            }
            Ok(())
        }
        Type::Ref(model) => {
            for (field, value) in params.children(name) {
                check_model_field(catalogue, name, model, field, value)?;
            }
            Ok(())
        }
        Type::Map(_) => Ok(()),
        scalar => match params.get(name) {
            Some(value) => check_scalar(name, scalar, value),
            None => Ok(()),
        },
    }
}

/// Checks `Name.Field` (or `Name.Field.0` for an array field) of an object
/// parameter; fields the model does not know are ignored, as the gateway
/// ignores unknown parameters.
fn check_model_field(
    catalogue: &Catalogue,
    name: &str,
    model: &str,
    path: &str,
    value: &str,
) -> Result<(), ApiError> {
    let (field, rest) = path.split_once('.').unwrap_or((path, ""));
    let Some(f) = catalogue
        .models
        .get(model)
        .and_then(|fs| fs.iter().find(|f| f.name == field))
    else {
        return Ok(());
    };
    match (&f.ty, rest) {
        (Type::Array(inner), idx) if idx.parse::<u32>().is_ok() => check_scalar(name, inner, value),
        (Type::Ref(_) | Type::Array(_) | Type::Map(_), _) => Ok(()),
        (scalar, "") => check_scalar(name, scalar, value),
        _ => Err(not_available(name)),
    }
}

fn check_scalar(name: &str, ty: &Type, value: &str) -> Result<(), ApiError> {
    if value.is_empty() {
        return Ok(());
    }
    let ok = match ty {
        Type::String => true,
        Type::Integer => value.parse::<i64>().is_ok(),
        Type::Number => {
            value.parse::<f64>().is_ok_and(f64::is_finite)
                && value
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
        }
        Type::Boolean => value == "true" || value == "false",
        Type::Array(_) | Type::Ref(_) | Type::Map(_) => false,
    };
    if ok {
        Ok(())
    } else {
        Err(not_available(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(action: &str, pairs: &[(&str, &str)]) -> Result<(), ApiError> {
        let c = Catalogue::get();
        let p: Params = pairs.iter().copied().collect();
        validate(c, c.action(action).unwrap(), &p)
    }

    #[test]
    fn a_missing_required_param_is_210_with_its_name() {
        assert_eq!(
            run(
                "StartCompShareInstance",
                &[("Region", "cn-wlcb"), ("Zone", "cn-wlcb-01")]
            ),
            Err(ApiError::MissingParams("UHostId".into()))
        );
        assert_eq!(
            run("DescribeCompShareCustomImages", &[]),
            Err(ApiError::MissingParams("Region".into()))
        );
    }

    #[test]
    fn region_and_zone_must_be_known_and_belong_together() {
        assert_eq!(
            run("DescribeCompShareCustomImages", &[("Region", "cn-wlcb")]),
            Ok(())
        );
        assert_eq!(
            run("DescribeCompShareCustomImages", &[("Region", "cn-bj")]),
            Err(ApiError::ParamsNotAvailable("Region".into()))
        );
        assert_eq!(
            run(
                "DescribeCompShareCustomImages",
                &[("Region", "cn-wlcb"), ("Zone", "cn-bj2-02")]
            ),
            Err(ApiError::ParamsNotAvailable("Zone".into()))
        );
    }

    #[test]
    fn values_must_have_their_catalogue_type() {
        let base = [("Region", "cn-wlcb")];
        for bad in ["-x", "1.5", "1e3", "0x10", " 5", "99999999999999999999"] {
            let mut p = base.to_vec();
            p.push(("Limit", bad));
            assert_eq!(
                run("DescribeCompShareCustomImages", &p),
                Err(ApiError::ParamsNotAvailable("Limit".into())),
                "{bad}"
            );
        }
        assert_eq!(
            run("DescribeCompShareInstance", &[("WithoutGpu", "True")]),
            Err(ApiError::ParamsNotAvailable("WithoutGpu".into()))
        );
        assert_eq!(
            run(
                "DescribeCompShareInstance",
                &[("WithoutGpu", "true"), ("UHostIds.0", "u")]
            ),
            Ok(())
        );
    }

    #[test]
    fn only_the_documented_gpu_types_are_available() {
        let base = [("Region", "cn-wlcb"), ("Zone", "cn-wlcb-01")];
        for gpu in GPU_TYPES {
            let mut p = base.to_vec();
            p.push(("GpuType", gpu));
            assert_eq!(run("GetCompShareInstancePrice", &p), Ok(()), "{gpu}");
        }
        let mut p = base.to_vec();
        p.push(("GpuType", "A100"));
        assert_eq!(
            run("GetCompShareInstancePrice", &p),
            Err(ApiError::ParamsNotAvailable("GpuType".into()))
        );
    }

    #[test]
    fn a_limit_sent_to_describe_comp_share_images_is_refused() {
        let with: Params = [("Limit", "10")].into_iter().collect();
        let action = |name: &str| Catalogue::get().action(name).unwrap();
        assert_eq!(
            refused_params(action("DescribeCompShareImages"), &with),
            Err(ApiError::ParamsNotAvailable("Limit".into()))
        );
        assert_eq!(
            refused_params(action("DescribeCompShareCustomImages"), &with),
            Ok(())
        );
        assert_eq!(
            refused_params(action("DescribeCompShareImages"), &Params::new()),
            Ok(())
        );
    }

    #[test]
    fn arrays_of_objects_are_checked_field_by_field() {
        let mut p = vec![
            ("Region", "cn-wlcb"),
            ("Zone", "cn-wlcb-01"),
            ("CompShareImageId", "i"),
            ("CPU", "16"),
            ("GPU", "1"),
            ("Memory", "65536"),
            ("GpuType", "4090"),
            ("MachineType", "G"),
            ("Disks.0.IsBoot", "true"),
            ("Disks.0.Size", "100"),
        ];
        assert_eq!(run("CreateCompShareInstance", &p), Ok(()));
        p.push(("Disks.1.Size", "big"));
        assert_eq!(
            run("CreateCompShareInstance", &p),
            Err(ApiError::ParamsNotAvailable("Disks".into()))
        );
    }
}
