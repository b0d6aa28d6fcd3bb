//! Typed requests and answers. Field names follow the catalogue
//! (`models.CompShareImage` and friends) in PascalCase; every answer field
//! defaults when absent, as the official SDKs fill missing fields.

use serde::{Deserialize, Serialize};

/// Request of `DescribeCompShareCustomImages`: the caller's custom images.
/// `Region` and `Zone` come from the [`Config`](crate::Config) unless set here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeCompShareCustomImagesRequest {
    /// Region to list; the configured one when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Zone to list; the configured one (if any) when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// Project; the configured one (if any) when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// Only the image with this id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comp_share_image_id: Option<String>,
    /// Index of the first image of the page (server default 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Page size (server default 20, at most 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
}

/// Answer of `DescribeCompShareCustomImages`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeCompShareCustomImagesResponse {
    /// Number of images that match, before paging.
    pub total_count: u64,
    /// The images of the requested page.
    pub image_set: Vec<CompShareImage>,
}

/// An image (catalogue model `CompShareImage`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CompShareImage {
    /// Authorization flags of the image.
    pub auth_info: i64,
    /// Author's display name.
    pub author: String,
    /// Whether instances from it start their applications at boot.
    pub auto_start: bool,
    /// Image id, `compshareImage-…`.
    pub comp_share_image_id: String,
    /// Container the image runs in, if any.
    pub container: String,
    /// Cover picture URL.
    pub cover: String,
    /// Creation time, epoch seconds.
    pub create_time: i64,
    /// Instances created from it.
    pub created_count: i64,
    /// Free-text description.
    pub description: String,
    /// Why making the image failed, when it did.
    pub failed_reason: String,
    /// Times marked as favourite.
    pub favorites_count: i64,
    /// Group of versions the image belongs to.
    pub group_id: String,
    /// Whether using the image costs extra.
    pub image_charge: bool,
    /// Owner's alias.
    pub image_owner_alias: String,
    /// `System`, `App`, `Custom` or `Community`.
    pub image_type: String,
    /// Usage time.
    pub image_use_time: i64,
    /// Whether the platform publishes it.
    pub is_official: bool,
    /// Image name.
    pub name: String,
    /// Owning account.
    pub owner: Projects,
    /// Price of using it.
    pub price: f64,
    /// Publication time, epoch seconds.
    pub pub_time: i64,
    /// Readme text.
    pub readme: String,
    /// Size.
    pub size: i64,
    /// Installed software.
    pub softwares: Software,
    /// GPU type the image was made on.
    pub source_gpu_type: String,
    /// `Making`, `Available`, `UnAvailable`, `Reviewing` or `Offline`.
    pub status: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Description of this version.
    pub version_desc: String,
    /// Name of this version.
    pub version_name: String,
    /// 0 private, 1 public.
    pub visibility: i64,
}

/// An account (catalogue model `Projects`), the owner of an image.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Projects {
    /// Account id.
    pub account_id: String,
    /// Account name.
    pub account_name: String,
}

/// Software of an image (catalogue model `Software`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Software {
    /// Bundled applications.
    pub applications: Vec<String>,
    /// CUDA version.
    #[serde(rename = "CUDAVersion")]
    pub cuda_version: String,
    /// Framework, such as PyTorch.
    pub framework: String,
    /// Framework version.
    pub framework_version: String,
    /// Python version: seen in live answers but not in the catalogue, so it
    /// is not serialized when empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub python_version: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use compshare_protocol::catalogue::Catalogue;
    use serde_json::{json, Value};

    fn keys(v: &Value) -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    }

    fn model_fields(model: &str) -> Vec<String> {
        let mut k: Vec<String> = Catalogue::get().models[model]
            .iter()
            .map(|f| f.name.clone())
            .collect();
        k.sort();
        k
    }

    #[test]
    fn the_typed_models_carry_every_catalogue_field_and_no_other() {
        let image = serde_json::to_value(CompShareImage::default()).unwrap();
        assert_eq!(keys(&image), model_fields("CompShareImage"));
        assert_eq!(keys(&image["Owner"]), model_fields("Projects"));
        assert_eq!(keys(&image["Softwares"]), model_fields("Software"));
    }

    #[test]
    fn a_default_image_is_a_valid_catalogue_answer() {
        let answer = json!({
            "Action": "DescribeCompShareCustomImagesResponse",
            "RetCode": 0,
            "TotalCount": 1,
            "ImageSet": [CompShareImage::default()],
        });
        Catalogue::get()
            .check_answer("DescribeCompShareCustomImages", &answer)
            .unwrap();
    }

    #[test]
    fn the_request_serializes_to_the_catalogue_names_and_skips_unset_fields() {
        let req = DescribeCompShareCustomImagesRequest {
            comp_share_image_id: Some("compshareImage-xxxx".into()),
            limit: Some(5),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&req).unwrap(),
            json!({"CompShareImageId": "compshareImage-xxxx", "Limit": 5})
        );
        let action = Catalogue::get()
            .action("DescribeCompShareCustomImages")
            .unwrap();
        let all = DescribeCompShareCustomImagesRequest {
            region: Some(String::new()),
            zone: Some(String::new()),
            project_id: Some(String::new()),
            comp_share_image_id: Some(String::new()),
            offset: Some(0),
            limit: Some(0),
        };
        for key in keys(&serde_json::to_value(&all).unwrap()) {
            assert!(
                action.param(&key).is_some(),
                "{key} is not in the catalogue"
            );
        }
    }

    #[test]
    fn the_seed_answer_decodes_with_defaults_for_missing_fields() {
        let answer = json!({"Action": "DescribeCompShareCustomImagesResponse", "RetCode": 0, "TotalCount": 1,
            "ImageSet": [{"CompShareImageId": "compshareImage-xxxx", "Name": "my-custom-env",
                "ImageType": "Custom", "Status": "Available", "CreateTime": 1712563200,
                "Softwares": {"CUDAVersion": "12.4", "PythonVersion": "3.11"}}]});
        let r: DescribeCompShareCustomImagesResponse = serde_json::from_value(answer).unwrap();
        assert_eq!(r.total_count, 1);
        let image = &r.image_set[0];
        assert_eq!(image.name, "my-custom-env");
        assert_eq!(image.create_time, 1712563200);
        assert_eq!(image.softwares.cuda_version, "12.4");
        assert_eq!(image.softwares.python_version, "3.11");
        assert_eq!(image.owner, Projects::default());
        assert!(image.tags.is_empty());
    }
}
