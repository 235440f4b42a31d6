//! Preview samples computed off the UI thread. Only the newest request waits: toggling
//! groups quickly replaces the pending request instead of queueing a backlog.

use aen_core::data::{self, BaseData, DatasetKind, Source};
use aen_core::gdata;
use aen_core::groups::GroupSet;
use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};

#[derive(Clone, Debug, PartialEq)]
pub struct PreviewRequest {
    pub id: u64,
    pub kind: DatasetKind,
    pub source: Source,
    pub groups: GroupSet,
    /// The translation steps of htrans and vtrans.
    pub shift: aen_core::groups::Shift,
    /// `data.resize`, applied as the run applies it.
    pub resize: Option<usize>,
    pub seed: u64,
    pub count: usize,
}

#[derive(Clone, Debug)]
pub struct PreviewResult {
    pub id: u64,
    /// The data set the samples come from, for their captions.
    pub kind: DatasetKind,
    pub side: usize,
    /// Class names, by label (empty until the data loads: labels are shown as numbers).
    pub classes: Vec<String>,
    pub samples: Result<Vec<gdata::Sample>, String>,
    /// The data set's training and test images (None: one pool, split by aen).
    pub counts: Option<(usize, Option<usize>)>,
}

type Slot = Arc<(Mutex<Option<PreviewRequest>>, Condvar)>;

pub struct PreviewService {
    slot: Slot,
}

/// Where results go; returns false once nobody listens, which ends the thread.
pub type Sink = Box<dyn Fn(PreviewResult) -> bool + Send>;

impl PreviewService {
    pub fn start(sink: Sink) -> PreviewService {
        let slot: Slot = Arc::new((Mutex::new(None), Condvar::new()));
        let s2 = slot.clone();
        std::thread::Builder::new()
            .name("aen-preview".into())
            .spawn(move || worker(s2, sink))
            .expect("spawning the preview thread");
        PreviewService { slot }
    }

    /// Replaces any request still waiting with this one.
    pub fn request(&self, req: PreviewRequest) {
        let (lock, cv) = &*self.slot;
        if let Ok(mut g) = lock.lock() {
            *g = Some(req);
            cv.notify_one();
        }
    }
}

type Cache = HashMap<(DatasetKind, Source, Option<usize>), Arc<BaseData>>;

fn compute(cache: &mut Cache, req: PreviewRequest) -> PreviewResult {
    let key = (req.kind, req.source.clone(), req.resize);
    let base = match cache.get(&key) {
        Some(b) => Ok(b.clone()),
        None => data::load_sized(req.kind, &req.source, req.resize)
            .and_then(|b| b.prepared(req.resize))
            .map(Arc::new)
            .map_err(|e| e.to_string()),
    };
    match base {
        Ok(b) => {
            cache.insert(key, b.clone());
            let side = b.train.images.rows;
            let samples = gdata::preview_samples(&b, req.groups, req.shift, req.seed, req.count)
                .map_err(|e| e.to_string());
            PreviewResult {
                id: req.id,
                kind: req.kind,
                side,
                classes: b.classes.clone(),
                samples,
                counts: Some((b.train.len(), b.test.as_ref().map(|t| t.len()))),
            }
        }
        Err(e) => PreviewResult {
            id: req.id,
            kind: req.kind,
            side: 28,
            classes: Vec::new(),
            samples: Err(e),
            counts: None,
        },
    }
}

fn worker(slot: Slot, sink: Sink) {
    let mut cache: Cache = HashMap::new();
    loop {
        let req = {
            let (lock, cv) = &*slot;
            let Ok(mut g) = lock.lock() else { return };
            while g.is_none() {
                g = match cv.wait(g) {
                    Ok(g) => g,
                    Err(_) => return,
                };
            }
            g.take().expect("checked above")
        };
        // A panic here must not take previews down for the rest of the session.
        let (id, kind) = (req.id, req.kind);
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| compute(&mut cache, req)))
                .unwrap_or_else(|_| PreviewResult {
                    id,
                    kind,
                    side: 28,
                    classes: Vec::new(),
                    samples: Err("the preview failed unexpectedly".into()),
                    counts: None,
                });
        if !sink(result) {
            return;
        }
    }
}
