//! The paginator: where it starts, how it advances, when it stops.

mod common;

use std::sync::{Arc, Mutex};

use common::{config, read_signed};
use compshare_client::{Client, Error};
use futures_util::StreamExt;
use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const ACTION: &str = "DescribeCompShareCustomImages";

/// Serves `items` items in pages by `Offset`/`Limit`, announcing
/// `total_count` (or none), and records each `(Offset, Limit)` asked for.
#[derive(Clone)]
struct Pages {
    items: usize,
    total_count: Option<u64>,
    asked: Arc<Mutex<Vec<(usize, usize)>>>,
}

impl Respond for Pages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let wire = read_signed(request);
        let offset: usize = wire.params.get("Offset").unwrap().parse().unwrap();
        let limit: usize = wire.params.get("Limit").unwrap().parse().unwrap();
        self.asked.lock().unwrap().push((offset, limit));
        let page: Vec<Value> = (offset..self.items.min(offset + limit))
            .map(|i| json!({"CompShareImageId": format!("compshareImage-{i}")}))
            .collect();
        let mut body = json!({"Action": "DescribeCompShareCustomImagesResponse", "RetCode": 0, "ImageSet": page});
        if let Some(total) = self.total_count {
            body["TotalCount"] = json!(total);
        }
        ResponseTemplate::new(200).set_body_json(body)
    }
}

async fn serve(items: usize, total_count: Option<u64>) -> (MockServer, Client, Pages) {
    let server = MockServer::start().await;
    let pages = Pages {
        items,
        total_count,
        asked: Arc::default(),
    };
    Mock::given(method("POST"))
        .respond_with(pages.clone())
        .mount(&server)
        .await;
    let client = Client::new(config(&server.uri())).unwrap();
    (server, client, pages)
}

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["CompShareImageId"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_walk_stops_when_total_count_is_reached() {
    let (_server, client, pages) = serve(5, Some(5)).await;
    let mut walk = client.paginate(ACTION, json!({}), "ImageSet", 2).unwrap();
    let mut seen = Vec::new();
    while let Some(page) = walk.next_page().await.unwrap() {
        assert_eq!(page.total_count, Some(5));
        seen.extend(page.items);
    }
    assert_eq!(seen.len(), 5);
    assert_eq!(ids(&seen)[4], "compshareImage-4");
    assert_eq!(*pages.asked.lock().unwrap(), [(0, 2), (2, 2), (4, 2)]);
    assert!(walk.next_page().await.unwrap().is_none());
    assert_eq!(pages.asked.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn an_exact_multiple_of_the_page_size_needs_no_extra_request() {
    let (_server, client, pages) = serve(4, Some(4)).await;
    let all = client
        .paginate(ACTION, json!({}), "ImageSet", 2)
        .unwrap()
        .collect_all()
        .await
        .unwrap();
    assert_eq!(all.len(), 4);
    assert_eq!(*pages.asked.lock().unwrap(), [(0, 2), (2, 2)]);
}

#[tokio::test]
async fn an_empty_page_stops_a_server_whose_total_count_never_comes_true() {
    let (_server, client, pages) = serve(3, Some(1000)).await;
    let all = client
        .paginate(ACTION, json!({}), "ImageSet", 2)
        .unwrap()
        .collect_all()
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(*pages.asked.lock().unwrap(), [(0, 2), (2, 2), (3, 2)]);
}

#[tokio::test]
async fn without_total_count_a_short_page_is_the_last() {
    let (_server, client, pages) = serve(5, None).await;
    let all = client
        .paginate(ACTION, json!({}), "ImageSet", 2)
        .unwrap()
        .collect_all()
        .await
        .unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(*pages.asked.lock().unwrap(), [(0, 2), (2, 2), (4, 2)]);
}

#[tokio::test]
async fn the_walk_starts_at_the_given_offset_and_ignores_a_given_limit() {
    let (_server, client, pages) = serve(5, Some(5)).await;
    let all = client
        .paginate(ACTION, json!({"Offset": 3, "Limit": 1}), "ImageSet", 10)
        .unwrap()
        .collect_all()
        .await
        .unwrap();
    assert_eq!(ids(&all), ["compshareImage-3", "compshareImage-4"]);
    assert_eq!(*pages.asked.lock().unwrap(), [(3, 10)]);
}

#[tokio::test]
async fn the_item_stream_yields_every_item_in_order() {
    let (_server, client, _pages) = serve(7, Some(7)).await;
    let items: Vec<Value> = client
        .paginate(ACTION, json!({}), "ImageSet", 3)
        .unwrap()
        .items()
        .map(Result::unwrap)
        .collect()
        .await;
    let want: Vec<String> = (0..7).map(|i| format!("compshareImage-{i}")).collect();
    assert_eq!(ids(&items), want);
}

#[tokio::test]
async fn the_item_stream_ends_after_yielding_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"Action": "DescribeCompShareCustomImagesResponse", "RetCode": 171, "Message": "Signature VerifyAC Error"}),
        ))
        .mount(&server)
        .await;
    let client = Client::new(config(&server.uri())).unwrap();
    let got: Vec<Result<Value, Error>> = client
        .paginate(ACTION, json!({}), "ImageSet", 3)
        .unwrap()
        .items()
        .collect()
        .await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].as_ref().unwrap_err().ret_code(), Some(171));
}

#[tokio::test]
async fn a_missing_list_while_items_remain_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"Action": "DescribeCompShareCustomImagesResponse", "RetCode": 0, "TotalCount": 3}),
        ))
        .mount(&server)
        .await;
    let client = Client::new(config(&server.uri())).unwrap();
    let err = client
        .paginate(ACTION, json!({}), "ImageSets", 3)
        .unwrap()
        .collect_all()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Decode(m) if m.contains("ImageSets")),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_typed_walk_decodes_every_image() {
    let (_server, client, pages) = serve(5, Some(5)).await;
    let images = client
        .describe_custom_images_all(&compshare_client::DescribeCompShareCustomImagesRequest {
            limit: Some(2),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(images.len(), 5);
    assert_eq!(images[0].comp_share_image_id, "compshareImage-0");
    assert_eq!(pages.asked.lock().unwrap().len(), 3);
}
