//! The bench's floor host (`welfare_tests::floor`): the hello-world `wasi:http` fixture served
//! as `wasmtime serve` serves it. Checked here so that the figure every ratio divides by is
//! a real answer, not an error answered quickly.

use welfare_tests::floor::FloorHost;

#[tokio::test]
async fn the_floor_host_answers_hello_world_from_a_fresh_instance_each_time() {
    let host = FloorHost::start().await.unwrap();
    let client = reqwest::Client::new();
    for _ in 0..3 {
        let response = client
            .get(format!("{}/anything", host.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/plain"
        );
        // The fixture's greeting (tests/fixtures/hello/src/lib.rs).
        assert_eq!(response.text().await.unwrap(), "Hello, world!\n");
    }
}
