//! Writing an exported network.

use super::meta::{FILES, FORMAT, ModelJson, Protocol, VERSION};
use crate::child::ChildSpec;
use crate::data::BaseData;
use crate::error::{Error, Result, ResultExt, bail};
use crate::experiments::fit_sizes;
use crate::fsio::Staged;
use crate::groups::GroupSet;
use crate::kernel::{Layer, Mlp};
use crate::orbits::{ChildOrbits, HIDDEN_SIDE};
use crate::settings::Settings;
use crate::sweep::table::data_fingerprint;
use crate::train::{Flow, TrainProgress, cpu};
use safetensors::{Dtype, tensor::TensorView};
use std::path::Path;

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn i32_bytes(v: &[u32]) -> Vec<u8> {
    v.iter().flat_map(|&x| (x as i32).to_le_bytes()).collect()
}

/// [in][out] as [out][in].
fn transpose<T: Copy>(w: &[T], inp: usize, out: usize) -> Vec<T> {
    (0..out)
        .flat_map(|j| (0..inp).map(move |i| w[i * out + j]))
        .collect()
}

/// A safetensors file of named (dtype, shape, little-endian bytes).
fn safetensors(tensors: Vec<Entry>) -> Result<Vec<u8>> {
    let views = (tensors.iter())
        .map(|(n, d, s, b)| Ok((n.clone(), TensorView::new(*d, s.clone(), b)?)))
        .collect::<Result<Vec<_>, safetensors::SafeTensorError>>()?;
    Ok(safetensors::serialize(views, None)?)
}

type Entry = (String, Dtype, Vec<usize>, Vec<u8>);

/// `{name}.weight` [out, in] and `{name}.bias` [out] of a layer in nn.Linear's layout.
fn linear(name: &str, l: &Layer, w: &[f32], b: &[f32]) -> [Entry; 2] {
    [
        (
            format!("{name}.weight"),
            Dtype::F32,
            vec![l.out, l.inp],
            f32_bytes(&transpose(w, l.inp, l.out)),
        ),
        (
            format!("{name}.bias"),
            Dtype::F32,
            vec![l.out],
            f32_bytes(b),
        ),
    ]
}

/// The files of `net` under `params`.
fn files(net: &Mlp, params: &[f32], meta: &ModelJson) -> Result<[Vec<u8>; 3]> {
    let mut dense = Vec::new();
    let mut tied = Vec::new();
    for (k, l) in net.layers().iter().enumerate() {
        let (w, b) = l.full(params);
        let name = format!("fc{}", k + 1);
        dense.extend(linear(&name, l, &w, &b));
        let (wr, br) = l.ranges();
        match l.ids() {
            Some((wid, bid)) => tied.extend([
                (
                    format!("{name}.theta"),
                    Dtype::F32,
                    vec![wr.len()],
                    f32_bytes(&params[wr]),
                ),
                (
                    format!("{name}.bias"),
                    Dtype::F32,
                    vec![br.len()],
                    f32_bytes(&params[br]),
                ),
                (
                    format!("{name}.weight_ids"),
                    Dtype::I32,
                    vec![l.out, l.inp],
                    i32_bytes(&transpose(wid, l.inp, l.out)),
                ),
                (
                    format!("{name}.bias_ids"),
                    Dtype::I32,
                    vec![l.out],
                    i32_bytes(bid),
                ),
            ]),
            None => tied.extend(linear(&name, l, &w, &b)),
        }
    }
    Ok([
        safetensors(dense)?,
        safetensors(tied)?,
        serde_json::to_vec_pretty(meta)?,
    ])
}

/// Trains the network of `groups` under the final-evaluation protocol of `settings`
/// (replicate 0: the final evaluation's first seed) and writes it into `dir`.
pub fn export(
    settings: &Settings,
    base: &BaseData,
    groups: GroupSet,
    dir: &Path,
    progress: &mut dyn FnMut(TrainProgress) -> Flow,
) -> Result<ModelJson> {
    let created = !dir.exists();
    check_out(dir)?;
    let written = train_and_write(settings, base, groups, dir, progress);
    if written.is_err() && created {
        // Only if still empty: a cancelled export leaves no folder it made.
        let _ = std::fs::remove_dir(dir);
    }
    written
}

fn train_and_write(
    settings: &Settings,
    base: &BaseData,
    groups: GroupSet,
    dir: &Path,
    progress: &mut dyn FnMut(TrainProgress) -> Flow,
) -> Result<ModelJson> {
    let (sizes, _) = fit_sizes(base, settings.final_sizes());
    let gd = settings.gdata(base, settings.data.groups, sizes)?;
    let shift = settings.shift();
    let orbits = ChildOrbits::for_shape(gd.shape(), groups, shift)?;
    let spec = ChildSpec {
        epochs: settings.final_eval.epochs,
        ..ChildSpec::from_settings(settings)
    };
    let cfg = spec.train_config(groups, 0);
    let t = cpu::train_network(&orbits, &gd, cfg, progress, false)
        .map_err(|_| Error::msg("export cancelled: nothing was written"))?;
    let (mean, std) = gd.norm.per_channel(gd.channels);
    let widths = std::iter::once(t.net.inputs())
        .chain(t.net.layers().iter().map(|l| l.out))
        .collect();
    let meta = ModelJson {
        format: FORMAT.into(),
        version: VERSION,
        aen: env!("CARGO_PKG_VERSION").into(),
        groups: groups.to_string(),
        group_bits: groups.bit_string(),
        translation: settings.data.translation,
        step: settings.data.step,
        input_side: gd.side,
        hidden_side: HIDDEN_SIDE,
        channels: gd.channels,
        layers: widths,
        classes: base.classes.clone(),
        pixel_scale: 1.0 / 255.0,
        mean,
        std,
        dataset: base.kind.name().into(),
        source: base.source.kind.name().into(),
        data_groups: settings.data.groups.to_string(),
        data_sha256: data_fingerprint(&gd),
        protocol: Protocol {
            epochs: cfg.epochs,
            batch: cfg.batch,
            lr: cfg.lr,
            seed: cfg.seed,
            train_size: sizes.train,
            val_size: sizes.val,
            test_size: sizes.test,
        },
        val_acc: t.result.val_acc,
        test_acc: t.result.test_acc,
        params: t.result.params,
    };
    let mut staged = Staged::new();
    for (name, bytes) in FILES.iter().zip(files(&t.net, &t.params, &meta)?) {
        staged.bytes(&dir.join(name), &bytes)?;
    }
    staged.commit()?;
    Ok(meta)
}

/// An export goes into a new folder, or over an earlier export: never over other files.
fn check_out(dir: &Path) -> Result<()> {
    crate::session::check_out_dir(dir)?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let foreign = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| !FILES.contains(&n.as_str()) && !crate::session::is_bookkeeping(n));
    if let Some(name) = foreign {
        bail!(
            "{} holds {name}, which an export does not write: --out must be a new or empty folder, or an earlier export",
            dir.display()
        );
    }
    // An earlier export is known by its model.json; a file of that name that is not
    // one is somebody else's.
    let meta = dir.join("model.json");
    if std::fs::symlink_metadata(&meta).is_ok() {
        let bytes = crate::fsio::read_capped(&meta, 1 << 20, "model.json")?;
        let ours = serde_json::from_slice::<serde_json::Value>(&bytes)
            .is_ok_and(|v| v.get("format").and_then(|f| f.as_str()) == Some(FORMAT));
        if !ours {
            bail!(
                "{} is not the model.json of an aen network: --out must be a new or empty folder, or an earlier export",
                meta.display()
            );
        }
    }
    Ok(())
}
