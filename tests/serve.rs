//! `tsforge serve` and `tsforge monitor` end to end: a real server on a free loopback
//! port, real HTTP requests (ureq), forecasts equal to `tsforge predict`'s, the A/B split
//! over 1,000 series ids, the metrics, malformed requests answered 4xx, reload, SIGTERM;
//! then the forecast log joined to the actuals with an injected degradation flagged.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

use serde_json::{Value, json};

use crate::common::{TempDir, read_csv, repo_root, stderr, tempdir, tsforge};

/// m5-tiny cut after d_1885 (the validation file's first 1,885 days; calendar and prices
/// whole): a bundle trained there is scored on days it never saw.
fn m5_until_1885(dir: &Path) -> PathBuf {
    let data = dir.join("m5-until-1885");
    std::fs::create_dir_all(&data).unwrap_or_else(|e| panic!("{e}"));
    let tiny = repo_root().join("datasets/m5-tiny");
    let sales = tsforge_data::source::Source::read(&tiny.join("sales_train_validation.csv.gz")).unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8_lossy(&sales.bytes).to_string();
    let cut: String = text.lines().map(|l| l.split(',').take(6 + 1885).collect::<Vec<_>>().join(",") + "\n").collect();
    std::fs::write(data.join("sales_train_validation.csv"), cut).unwrap_or_else(|e| panic!("{e}"));
    for f in ["calendar.csv.gz", "sell_prices.csv.gz"] {
        std::fs::copy(tiny.join(f), data.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
    }
    data
}

/// Two bundles: `champion` (SeasonalNaive and GBDT-Tweedie-direct, equal weights,
/// trained to d_1885) and `challenger`, the same bundle with weights 0.75 each: its
/// forecasts are the champion's × 1.5 (a deliberately biased arm).
struct Bundles {
    _dir: TempDir,
    champion: PathBuf,
    challenger: PathBuf,
}

fn bundles() -> &'static Bundles {
    static B: OnceLock<Bundles> = OnceLock::new();
    B.get_or_init(|| {
        let dir = tempdir();
        let data = m5_until_1885(dir.path());
        let run = dir.path().join("run");
        let o = tsforge(
            &[
                "run",
                r#"models=["SeasonalNaive","GBDT-Tweedie-direct"]"#,
                "search.families.gbdt.enabled=false",
                "search.families.hurdle.enabled=false",
                "search.families.lenet.enabled=false",
                "search.backtest_windows=1",
                "search.ensemble.method=top_k",
                "search.ensemble.top_k=2",
                "--data",
                data.to_str().unwrap_or_default(),
                "--out",
                run.to_str().unwrap_or_default(),
                "--no-store",
                "--quiet",
            ],
            &repo_root(),
        );
        assert!(o.status.success(), "run failed: {}", stderr(&o));
        let challenger = dir.path().join("challenger");
        copy_dir(&run.join("bundle"), &challenger);
        scale_weights(&challenger, 1.5);
        Bundles { champion: run.join("bundle"), challenger, _dir: dir }
    })
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.join("models")).unwrap_or_else(|e| panic!("{e}"));
    for f in std::fs::read_dir(from.join("models")).unwrap_or_else(|e| panic!("{e}")).flatten() {
        std::fs::copy(f.path(), to.join("models").join(f.file_name())).unwrap_or_else(|e| panic!("{e}"));
    }
    for f in ["bundle.json", "bundle.sha256"] {
        std::fs::copy(from.join(f), to.join(f)).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// Multiplies the ensemble's weights and re-signs the index (a legitimate bundle).
fn scale_weights(bundle: &Path, factor: f64) {
    let path = bundle.join("bundle.json");
    let mut index: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
    for m in index["ensemble"]["members"].as_array_mut().unwrap_or_else(|| panic!("the champion is an ensemble")) {
        let w = m["weight"].as_f64().unwrap_or(f64::NAN);
        m["weight"] = json!(w * factor);
    }
    let text = serde_json::to_string_pretty(&index).unwrap_or_default();
    std::fs::write(&path, &text).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(bundle.join("bundle.sha256"), format!("{}\n", tsforge_store::bundle::sha256_hex(text.as_bytes()))).unwrap_or_else(|e| panic!("{e}"));
}

/// A running `tsforge serve`, stopped with SIGTERM (or killed when dropped).
struct Server {
    child: Child,
    url: String,
    agent: ureq::Agent,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tsforge"))
            .args([&["serve", "--port", "0", "--threads", "2"], args].concat())
            .current_dir(repo_root())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start tsforge serve: {e}"));
        let mut lines = BufReader::new(child.stdout.take().unwrap_or_else(|| panic!("stdout"))).lines();
        let url = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(url) = line.strip_prefix("tsforge serve: listening on ") {
                        break url.to_string();
                    }
                }
                _ => {
                    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
                    panic!("tsforge serve did not start: {}", stderr(&out));
                }
            }
        };
        // keep draining stdout so the server never blocks on a full pipe
        std::thread::spawn(move || lines.for_each(drop));
        let agent = ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(std::time::Duration::from_secs(120))).build().into();
        Server { child, url, agent }
    }

    fn send(&self, method: &str, path: &str, content_type: Option<&str>, body: Vec<u8>) -> (u16, String) {
        let url = format!("{}{path}", self.url);
        let result = match method {
            "GET" => self.agent.get(&url).call(),
            "DELETE" => self.agent.delete(&url).call(),
            _ => {
                let mut req = self.agent.post(&url);
                if let Some(t) = content_type {
                    req = req.header("Content-Type", t);
                }
                req.send(&body[..])
            }
        };
        let mut resp = result.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = resp.status().as_u16();
        let text = resp.body_mut().with_config().limit(256 << 20).read_to_string().unwrap_or_else(|e| panic!("{method} {path}: body: {e}"));
        (status, text)
    }

    /// Announces a body of `bytes` bytes as curl does for large uploads (`Expect:
    /// 100-continue`) and reads the answer; the body follows only if the server asks.
    fn oversized(&self, bytes: usize) -> (u16, String) {
        use std::io::{Read, Write};
        let addr = self.url.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(addr).unwrap_or_else(|e| panic!("{e}"));
        stream.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap_or_else(|e| panic!("{e}"));
        let head = format!("POST /v1/forecast HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {bytes}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n");
        stream.write_all(head.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        let status = answer.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        (status, answer)
    }

    fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let (status, text) = self.send("POST", path, Some("application/json"), body.to_string().into_bytes());
        (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("POST {path}: {e}: {text}")))
    }

    fn get(&self, path: &str) -> (u16, String) {
        self.send("GET", path, None, Vec::new())
    }

    /// SIGTERM, then the exit status and the rest of stderr.
    fn stop(mut self) -> (std::process::ExitStatus, String) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let status = self.child.wait().unwrap_or_else(|e| panic!("{e}"));
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut err);
        }
        (status, err)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A malformed request: body, content type, and the answer's status, error kind and field.
type BadRequest = (Vec<u8>, &'static str, u16, &'static str, Option<&'static str>);

/// `(id, F1..F28)` rows of a submission file.
fn submission(path: &Path) -> Vec<(String, Vec<f64>)> {
    read_csv(path).into_iter().map(|r| (r["id"].clone(), (1..=28).map(|k| r[&format!("F{k}")].parse::<f64>().unwrap_or(f64::NAN)).collect())).collect()
}

fn mean_of(f: &Value) -> Vec<f64> {
    f["mean"].as_array().into_iter().flatten().map(|v| v.as_f64().unwrap_or(f64::NAN)).collect()
}

#[test]
fn served_forecasts_equal_predict_and_every_bad_request_is_a_4xx() {
    let b = bundles();
    let dir = tempdir();
    let db = dir.path().join("log.db");
    let champion = format!("champion={}", b.champion.display());
    // this test damages its challenger to see a reload refused: its own copy, so the
    // tests running beside it (monitor) never read the damaged one
    let own = dir.path().join("challenger");
    copy_dir(&b.challenger, &own);
    let challenger = format!("challenger={}", own.display());
    let server = Server::start(&[
        &champion,
        &challenger,
        "--split",
        "champion=0.5,challenger=0.5",
        "--data",
        "datasets/m5-tiny",
        "--store",
        db.to_str().unwrap_or_default(),
        "--max-body-mb",
        "1",
        "--max-series",
        "300",
    ]);

    // the same data through `tsforge predict`: history until d_1913, forecasts d_1914..d_1941
    let pred = dir.path().join("pred");
    let o = tsforge(&["predict", b.champion.to_str().unwrap_or_default(), "--data", "datasets/m5-tiny", "--out", pred.to_str().unwrap_or_default(), "--no-store", "-q"], &repo_root());
    assert!(o.status.success(), "{}", stderr(&o));
    let want = submission(&pred.join("submission.csv"));
    assert_eq!(want.len(), 280);

    // every series, asked of the champion by name
    let ids: Vec<&str> = want.iter().map(|(id, _)| id.as_str()).collect();
    let (status, all) = server.post("/v1/forecast", &json!({"series": ids, "model": "champion"}));
    assert_eq!(status, 200, "{all}");
    assert_eq!(all["arms"]["champion"]["origin"], "2016-04-24");
    let forecasts = all["forecasts"].as_array().cloned().unwrap_or_default();
    assert_eq!(forecasts.len(), 280);
    for ((id, values), f) in want.iter().zip(&forecasts) {
        assert_eq!(f["id"].as_str(), Some(id.as_str()));
        assert_eq!(f["arm"], "champion");
        assert_eq!(&mean_of(f), values, "{id}: served forecast differs from tsforge predict's");
    }
    // a few series alone: the same numbers as inside the whole panel
    let (status, few) = server.post("/v1/forecast", &json!({"series": [ids[7], ids[200], ids[3]], "model": "champion", "horizon": 7}));
    assert_eq!(status, 200, "{few}");
    for (f, k) in few["forecasts"].as_array().into_iter().flatten().zip([7, 200, 3]) {
        assert_eq!(mean_of(f), want[k].1[..7].to_vec(), "{}", ids[k]);
    }
    // a series' own latest values given by value: the same forecast, computed on the whole
    // panel with them in place; other values: another forecast
    let last3 = last_values(ids[5], 1913, 3);
    let (status, same) = server.post("/v1/forecast", &json!({"history": [{"id": ids[5], "values": last3}], "model": "champion"}));
    assert_eq!(status, 200, "{same}");
    assert_eq!(mean_of(&same["forecasts"][0]), want[5].1, "{}", ids[5]);
    let (_, changed) = server.post("/v1/forecast", &json!({"history": [{"id": ids[5], "values": [40.0, 50.0, 60.0]}], "model": "champion"}));
    assert_ne!(mean_of(&changed["forecasts"][0]), want[5].1, "new values change the forecast");
    // an earlier origin: tsforge predict --as-of's numbers
    let early = dir.path().join("early");
    let o = tsforge(
        &["predict", b.champion.to_str().unwrap_or_default(), "--data", "datasets/m5-tiny", "--as-of", "d_1900", "--out", early.to_str().unwrap_or_default(), "--no-store", "-q"],
        &repo_root(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let want_early = submission(&early.join("submission.csv"));
    let (_, r) = server.post("/v1/forecast", &json!({"series": [ids[9]], "model": "champion", "as_of": "d_1900"}));
    assert_eq!(r["arms"]["champion"]["origin"], "2016-04-11");
    assert_eq!(mean_of(&r["forecasts"][0]), want_early[9].1, "as_of d_1900 vs tsforge predict --as-of d_1900");

    // the challenger's weights are the champion's × 1.5
    let (_, ch) = server.post("/v1/forecast", &json!({"series": [ids[0]], "model": "challenger"}));
    let got = mean_of(&ch["forecasts"][0]);
    for (g, w) in got.iter().zip(&want[0].1) {
        assert!((g - 1.5 * w).abs() <= 1e-9 * w.abs().max(1.0), "challenger {g} vs 1.5 × {w}");
    }
    // the split: every series to its arm, the same arm every time
    let (_, split) = server.post("/v1/forecast", &json!({"series": ids}));
    let arm_of: Vec<String> = split["forecasts"].as_array().into_iter().flatten().map(|f| f["arm"].as_str().unwrap_or_default().to_string()).collect();
    let (_, again) = server.post("/v1/forecast", &json!({"series": ids}));
    let again: Vec<String> = again["forecasts"].as_array().into_iter().flatten().map(|f| f["arm"].as_str().unwrap_or_default().to_string()).collect();
    assert_eq!(arm_of, again, "a series always reaches the same arm");
    let n_challenger = arm_of.iter().filter(|a| *a == "challenger").count();
    assert!((100..=180).contains(&n_challenger), "{n_challenger} of 280 to the challenger at a 50% split");

    let many: Vec<String> = (0..301).map(|i| format!("s{i}")).collect();
    // (body, content type, status, error kind, field)
    let bad: Vec<BadRequest> = vec![
        (b"{\"series\": [".to_vec(), "application/json", 400, "bad_json", None),
        (b"NaN".to_vec(), "application/json", 400, "bad_json", None),
        (b"[1, 2]".to_vec(), "application/json", 422, "invalid_field", Some("body")),
        (br#"{"series": "FOODS"}"#.to_vec(), "application/json", 422, "invalid_field", Some("series")),
        (br#"{"series": [1]}"#.to_vec(), "application/json", 422, "invalid_field", Some("series[0]")),
        (br#"{"series": ["NO_SUCH_ITEM_CA_1"]}"#.to_vec(), "application/json", 422, "unknown_series", Some("series[0]")),
        (json!({"series": [ids[0]], "horizon": -3}).to_string().into_bytes(), "application/json", 422, "invalid_field", Some("horizon")),
        (json!({"series": [ids[0]], "horizon": 29}).to_string().into_bytes(), "application/json", 422, "invalid_field", Some("horizon")),
        (json!({"series": [ids[0]], "model": "nobody"}).to_string().into_bytes(), "application/json", 422, "invalid_field", Some("model")),
        (json!({"series": [ids[0]], "as_of": "1999-01-01"}).to_string().into_bytes(), "application/json", 422, "invalid_field", Some("as_of")),
        (json!({"series": [ids[0], ids[0]]}).to_string().into_bytes(), "application/json", 422, "invalid_field", Some("series[1]")),
        (json!({"history": [{"id": ids[1], "values": [1, null]}]}).to_string().into_bytes(), "application/json", 422, "invalid_field", Some("history[0].values[1]")),
        (json!({"history": [{"id": "NEW_ITEM_CA_1", "values": [1, 2, 3]}], "model": "champion"}).to_string().into_bytes(), "application/json", 422, "unknown_series", Some("history[0].id")),
        (json!({"series": [ids[0]], "extra": true}).to_string().into_bytes(), "application/json", 422, "invalid_field", Some("extra")),
        (json!({"series": many}).to_string().into_bytes(), "application/json", 413, "too_large", Some("series")),
        (json!({"series": [ids[0]]}).to_string().into_bytes(), "text/plain", 415, "not_json", Some("Content-Type")),
    ];
    for (body, content_type, status, kind, field) in &bad {
        let (got, text) = server.send("POST", "/v1/forecast", Some(content_type), body.clone());
        let shown = String::from_utf8_lossy(&body[..body.len().min(80)]).to_string();
        assert_eq!(got, *status, "{shown}: {text}");
        let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{shown}: not a JSON error ({e}): {text}"));
        assert_eq!(v["error"]["kind"], *kind, "{shown}: {text}");
        assert_eq!(v["error"]["field"].as_str(), *field, "{shown}: {text}");
        assert!(v["error"]["message"].as_str().is_some_and(|m| m.len() > 10), "{shown}: {text}");
    }
    // a body over --max-body-mb: refused from its declared length, before it is sent
    let (status, text) = server.oversized(3 << 20);
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("\"too_large\""), "{text}");
    assert_eq!(server.send("DELETE", "/v1/forecast", None, Vec::new()).0, 405);
    assert_eq!(server.get("/v2/nothing").0, 404);
    let (status, health) = server.get("/healthz");
    assert_eq!((status, health.contains("\"ok\"")), (200, true), "the server survived every bad request: {health}");

    // metrics: the arm counts are the series each arm answered
    let (_, metrics) = server.get("/metrics");
    let counter = |name: &str| metrics.lines().find(|l| l.starts_with(name)).and_then(|l| l.rsplit(' ').next()).and_then(|v| v.parse::<f64>().ok()).unwrap_or(-1.0);
    let champion_series = 280 + 3 + 3 + 2 * (280 - n_challenger);
    assert_eq!(counter("tsforge_arm_series_total{arm=\"champion\"}"), champion_series as f64, "{metrics}");
    assert_eq!(counter("tsforge_arm_series_total{arm=\"challenger\"}"), (1 + 2 * n_challenger) as f64, "{metrics}");
    assert_eq!(counter("tsforge_requests_total{route=\"/v1/forecast\",status=\"200\"}"), 8.0, "{metrics}");
    assert_eq!(counter("tsforge_requests_total{route=\"/v1/forecast\",status=\"422\"}"), 12.0, "{metrics}");
    assert_eq!(counter("tsforge_forecast_seconds_count"), 9.0 + bad.len() as f64, "{metrics}");
    assert_eq!(counter("tsforge_arm_share{arm=\"challenger\"}"), 0.5);

    // /v1/models: both bundles with their backtest scores
    let (_, models) = server.get("/v1/models");
    let models: Value = serde_json::from_str(&models).unwrap_or_default();
    assert_eq!(models["arms"].as_array().map(Vec::len), Some(2));
    assert!(models["arms"][0]["ensemble"]["backtest"].as_f64().is_some_and(f64::is_finite), "{models}");

    // reload: a damaged bundle is refused and the old one keeps serving; a good one replaces it
    let old_id = models["arms"][1]["bundle_id"].as_str().unwrap_or_default().to_string();
    let sum = own.join("bundle.sha256");
    let good_sum = std::fs::read_to_string(&sum).unwrap_or_default();
    std::fs::write(&sum, "0000\n").unwrap_or_else(|e| panic!("{e}"));
    let (status, refused) = server.post("/v1/models/reload", &json!({}));
    assert_eq!(status, 409, "{refused}");
    std::fs::write(&sum, good_sum).unwrap_or_else(|e| panic!("{e}"));
    let (_, still) = server.post("/v1/forecast", &json!({"series": [ids[0]], "model": "challenger"}));
    assert_eq!(mean_of(&still["forecasts"][0]), got, "the old challenger keeps serving after a failed reload");
    let (status, reloaded) = server.post("/v1/models/reload", &json!({}));
    assert_eq!(status, 200, "{reloaded}");
    assert_eq!(reloaded["reloaded"][1]["bundle_id"].as_str(), Some(old_id.as_str()));

    // SIGTERM: a clean exit, and every answered forecast is in the log
    let (status, err) = server.stop();
    assert!(status.success(), "serve exited with {status}: {err}");
    let log = tsforge_store::db::Db::open_existing(&db).unwrap_or_else(|e| panic!("{e}")).logged_forecasts(&Default::default()).unwrap_or_else(|e| panic!("{e}"));
    let served: usize = log.iter().map(|b| b.batch.series.len()).sum();
    assert_eq!(served, 280 + 3 + 3 + 1 + 280 + 280 + 1, "every answered series is logged");
    assert!(log.iter().all(|b| b.batch.source == "serve"));
    assert_eq!(log.iter().filter(|b| b.batch.origin == "2016-04-11").count(), 1, "the as_of request is logged at its origin");
}

#[test]
fn the_split_sends_each_series_id_to_its_arm_in_proportion() {
    // a long-format panel of 1,000 series: naive models train in a moment
    let dir = tempdir();
    let csv = dir.path().join("panel.csv");
    let mut text = String::from("unique_id,ds,y\n");
    for i in 0..1000 {
        for d in 0..40 {
            let (y, m, dd) = tsforge_core::time::civil_from_days(19_000 + d);
            text += &format!("store_{i:04},{y:04}-{m:02}-{dd:02},{}\n", (i * 7 + d as usize * 3) % 11);
        }
    }
    std::fs::write(&csv, text).unwrap_or_else(|e| panic!("{e}"));
    let run = dir.path().join("run");
    let o = tsforge(
        &[
            "run",
            r#"models=["Naive","SeasonalNaive"]"#,
            "search.families.gbdt.enabled=false",
            "search.families.hurdle.enabled=false",
            "search.families.lenet.enabled=false",
            "--data",
            csv.to_str().unwrap_or_default(),
            "--horizon",
            "7",
            "--phase",
            "evaluation",
            "--out",
            run.to_str().unwrap_or_default(),
            "--no-store",
            "--quiet",
        ],
        &repo_root(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let bundle = run.join("bundle");
    let server = Server::start(&[&format!("champion={}", bundle.display()), &format!("challenger={}", bundle.display()), "--split", "champion=0.9,challenger=0.1", "--no-store"]);
    let ids: Vec<String> = (0..1000).map(|i| format!("store_{i:04}")).collect();
    let (status, r) = server.post("/v1/forecast", &json!({"series": ids}));
    assert_eq!(status, 200, "{r}");
    let challenger = r["forecasts"].as_array().into_iter().flatten().filter(|f| f["arm"] == "challenger").count();
    // binomial sd at n = 1,000, p = 0.1 is 9.5: ±4 sd
    assert!((62..=138).contains(&challenger), "{challenger} of 1,000 series to the 10% arm");
    assert_eq!(r["split"]["challenger"], 0.1);
    let (_, metrics) = server.get("/metrics");
    assert!(metrics.contains(&format!("tsforge_arm_series_total{{arm=\"challenger\"}} {challenger}\n")), "{metrics}");
    assert!(metrics.contains(&format!("tsforge_arm_series_total{{arm=\"champion\"}} {}\n", 1000 - challenger)), "{metrics}");

    // a series given by value: the ensemble of Naive (the last value) and SeasonalNaive
    // (the last week again), by the bundle's weights
    let index: Value = serde_json::from_str(&std::fs::read_to_string(bundle.join("bundle.json")).unwrap_or_default()).unwrap_or_default();
    let weight = |alias: &str| index["ensemble"]["members"].as_array().into_iter().flatten().filter(|m| m["alias"] == alias).map(|m| m["weight"].as_f64().unwrap_or(0.0)).sum::<f64>();
    let values: Vec<f64> = (0..21).map(|k| f64::from((k * 5 + 2) % 9)).collect();
    let (status, r) = server.post("/v1/forecast", &json!({"history": [{"id": "brand_new", "values": values}], "model": "champion"}));
    assert_eq!(status, 200, "{r}");
    let got = mean_of(&r["forecasts"][0]);
    let last = values[values.len() - 1];
    for (k, g) in got.iter().enumerate() {
        let want = weight("Naive") * last + weight("SeasonalNaive") * values[values.len() - 7 + k];
        assert!((g - want).abs() < 1e-9, "step {}: {g} vs {want}", k + 1);
    }
    let periods = r["arms"]["champion"]["periods"].as_array().cloned().unwrap_or_default();
    assert_eq!(periods.first().and_then(Value::as_str), Some("2022-02-17"), "the first period after the data's last day");
    drop(server);
}

#[test]
fn monitor_flags_the_biased_arm_and_exits_3() {
    let b = bundles();
    let dir = tempdir();
    let db = dir.path().join("log.db");
    let db_arg = db.to_str().unwrap_or_default();
    let origins = ["d_1885", "d_1892", "d_1899", "d_1906", "d_1913"];
    let mut bias_by_arm = Vec::new();
    for (arm, bundle) in [("champion", &b.champion), ("challenger", &b.challenger)] {
        let (mut forecast_total, mut actual_total) = (0.0, 0.0);
        for origin in origins {
            let out = dir.path().join(format!("{arm}-{origin}"));
            let o = tsforge(
                &["predict", bundle.to_str().unwrap_or_default(), "--data", "datasets/m5-tiny", "--as-of", origin, "--arm", arm, "--store", db_arg, "--out", out.to_str().unwrap_or_default(), "-q"],
                &repo_root(),
            );
            assert!(o.status.success(), "{}", stderr(&o));
            let (f, a) = totals(&out.join("submission.csv"), origin[2..].parse().unwrap_or(0));
            forecast_total += f;
            actual_total += a;
        }
        bias_by_arm.push((arm, forecast_total / actual_total - 1.0));
    }
    let out = dir.path().join("monitor");
    let o = tsforge(&["monitor", "--actuals", "datasets/m5-tiny", "--store", db_arg, "--out", out.to_str().unwrap_or_default()], &repo_root());
    assert_eq!(o.status.code(), Some(3), "an alarm fires: {}", stderr(&o));
    assert!(stderr(&o).contains("ALARM challenger"), "{}", stderr(&o));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(out.join("monitor.json")).unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report["origins"].as_array().map(Vec::len), Some(10), "5 origins × 2 arms, all covered by the evaluation file");
    let alarms: Vec<(&str, &str)> = report["alarms"].as_array().into_iter().flatten().map(|a| (a["arm"].as_str().unwrap_or_default(), a["kind"].as_str().unwrap_or_default())).collect();
    assert!(alarms.contains(&("challenger", "bias")), "{alarms:?}");
    assert!(alarms.iter().all(|(arm, _)| *arm == "challenger"), "the champion raises no alarm: {alarms:?}");
    // the bias over all origins, from the submission files and the evaluation file alone
    for (arm, bias) in bias_by_arm {
        let a = report["arms"].as_array().into_iter().flatten().find(|a| a["arm"] == arm).cloned().unwrap_or_default();
        let rolling = a["rolling_bias"].as_f64().unwrap_or(f64::NAN);
        // the report's rolling bias is the mean of per-origin biases; ours pools the totals
        assert!((rolling - bias).abs() < 0.05, "{arm}: report {rolling} vs independent {bias}");
    }
    let cmp = &report["comparisons"][0];
    assert!(cmp["p_value"].as_f64().is_some_and(|p| p < 0.05) && cmp["verdict"].as_str().is_some_and(|v| v.contains("champion errs less")), "{cmp}");
    let html = std::fs::read_to_string(out.join("monitor.html")).unwrap_or_default();
    assert!(html.contains("<svg") && html.contains("class=\"alarm\""));
    // without the challenger, nothing fires
    let calm = dir.path().join("calm");
    let o = tsforge(&["monitor", "--actuals", "datasets/m5-tiny", "--store", db_arg, "--arm", "champion", "--out", calm.to_str().unwrap_or_default(), "-q"], &repo_root());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// The last `k` values of series `id` up to day `day` in m5-tiny's validation file.
fn last_values(id: &str, day: usize, k: usize) -> Vec<f64> {
    let sales = tsforge_data::source::Source::read(&repo_root().join("datasets/m5-tiny/sales_train_validation.csv.gz")).unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8_lossy(&sales.bytes).to_string();
    let line = text.lines().find(|l| l.starts_with(&format!("{id},"))).unwrap_or_else(|| panic!("{id} not in the file"));
    let cells: Vec<&str> = line.split(',').collect();
    // six id columns, then d_1..
    (day + 1 - k..=day).map(|d| cells[5 + d].parse::<f64>().unwrap_or(f64::NAN)).collect()
}

/// The forecast total of a submission from `origin` (day number) and the actual total of
/// its 28 days in the evaluation file.
fn totals(submission_csv: &Path, origin: usize) -> (f64, f64) {
    let rows = submission(submission_csv);
    let sales = tsforge_data::source::Source::read(&repo_root().join("datasets/m5-tiny/sales_train_evaluation.csv.gz")).unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8_lossy(&sales.bytes).to_string();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let first = header.iter().position(|h| *h == format!("d_{}", origin + 1)).unwrap_or_else(|| panic!("no day {}", origin + 1));
    let actual: f64 = lines.map(|l| l.split(',').skip(first).take(28).map(|v| v.parse::<f64>().unwrap_or(0.0)).sum::<f64>()).sum();
    let forecast: f64 = rows.iter().map(|(_, v)| v.iter().sum::<f64>()).sum();
    (forecast, actual)
}
