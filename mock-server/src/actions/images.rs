//! Image actions.

use super::{page, Answer, Ctx};
use crate::error::ApiError;
use crate::wire::params::Params;

/// DescribeCompShareCustomImages: the caller's custom images, newest first
/// (then by id), optionally only the one of `CompShareImageId`, paged.
pub fn describe_comp_share_custom_images(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    let page = page(params)?;
    let state = ctx.state.read().unwrap_or_else(|e| e.into_inner());
    let listing = state.images.custom_of(
        &ctx.account.account_id,
        params.get("CompShareImageId"),
        page,
    );
    Ok(Answer::new()
        .field("TotalCount", &listing.total)
        .field("ImageSet", listing.items))
}
