//! Reading an exported network back, checking that its two files are one network with
//! the tying its groups imply, and evaluating it on real images and their transforms.

use super::meta::{FORMAT, ModelJson, Network, VERSION};
use crate::data::BaseData;
use crate::error::{Error, Result, ResultExt, bail};
use crate::groups::{GroupSet, Perm, Shift};
use crate::kernel::{Mlp, argmax};
use crate::orbits::{ChildOrbits, HIDDEN_SIDE, Shape};
use crate::settings::SettingValue;
use crate::train::cpu::child_mlp;
use safetensors::{Dtype, SafeTensors};
use std::path::Path;

/// The bytes of tensor `name`, which must have this dtype and shape.
fn tensor<'a>(
    st: &SafeTensors<'a>,
    file: &str,
    name: &str,
    dtype: Dtype,
    shape: &[usize],
) -> Result<&'a [u8]> {
    let t = st
        .tensor(name)
        .map_err(|e| Error::msg(format!("{file}: tensor {name}: {e}")))?;
    if t.dtype() != dtype || t.shape() != shape {
        bail!(
            "{file}: {name} is {:?} {:?}, expected {dtype:?} {shape:?}",
            t.dtype(),
            t.shape()
        );
    }
    Ok(t.data())
}

fn f32s(b: &[u8]) -> Vec<f32> {
    (b.chunks_exact(4))
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fn i32s(b: &[u8]) -> Vec<i32> {
    (b.chunks_exact(4))
        .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// A file of the folder, refused unless regular and at most `cap` bytes (a network's
/// files are about 2 MB; model.json a few kB).
fn read(dir: &Path, name: &str, cap: u64) -> Result<Vec<u8>> {
    Ok(crate::fsio::read_capped(&dir.join(name), cap, name)?)
}

const TENSORS_CAP: u64 = 64 << 20;
const JSON_CAP: u64 = 1 << 20;

/// A safetensors file of the folder, its errors naming it.
fn tensors<'a>(bytes: &'a [u8], dir: &Path, name: &str) -> Result<SafeTensors<'a>> {
    SafeTensors::deserialize(bytes)
        .with_context(|| format!("{}: not a valid safetensors file", dir.join(name).display()))
}

/// model.json, checked: its format, and a shape this aen reads.
fn read_meta(dir: &Path) -> Result<ModelJson> {
    let path = dir.join("model.json");
    let meta: ModelJson = serde_json::from_slice(&read(dir, "model.json", JSON_CAP)?)
        .with_context(|| format!("{}: not the model.json of an aen network", path.display()))?;
    let bad = |what: String| Error::msg(format!("{}: {what}", path.display()));
    if meta.format != FORMAT || meta.version != VERSION {
        return Err(bad(format!(
            "format {} version {}; this aen reads {FORMAT} version {VERSION}",
            meta.format, meta.version
        )));
    }
    let hid = HIDDEN_SIDE * HIDDEN_SIDE;
    let (side, c, k) = (meta.input_side, meta.channels, meta.classes.len());
    let sane = side % 2 == 0
        && (2..=512).contains(&side)
        && meta.hidden_side == HIDDEN_SIDE
        && matches!(c, 1 | 3)
        && (1..=256).contains(&k);
    if !sane || meta.layers != [c * side * side, hid, hid, k] {
        return Err(bad(format!(
            "a {side}x{side}x{c} network of {k} classes with layers {:?}; aen's networks take an even side up to 512, 1 or 3 channels, up to 256 classes, and have layers [channels x side², 400, 400, classes]",
            meta.layers
        )));
    }
    let (scale, mean, std) = (meta.pixel_scale, &meta.mean, &meta.std);
    let fine = scale.is_finite()
        && scale > 0.0
        && mean.len() == c
        && std.len() == c
        && mean.iter().all(|m| m.is_finite())
        && std.iter().all(|s| s.is_finite() && *s > 0.0);
    if !fine {
        return Err(bad(format!(
            "pixel_scale {scale}, mean {mean:?}, std {std:?}: one mean and one std per channel ({c}); a scale and std must be finite and positive, a mean finite"
        )));
    }
    Ok(meta)
}

/// The groups and translation rule of model.json, whose two spellings of the groups
/// must agree.
fn read_groups(dir: &Path, meta: &ModelJson) -> Result<(GroupSet, Shift)> {
    let path = dir.join("model.json");
    let bad = |what: String| Error::msg(format!("{}: {what}", path.display()));
    let bits = GroupSet::parse(&meta.group_bits).map_err(|e| bad(format!("group_bits: {e}")))?;
    let named = GroupSet::parse(&meta.groups).map_err(|e| bad(format!("groups: {e}")))?;
    if bits != named {
        return Err(bad(format!(
            "groups {} and group_bits {} are different sets",
            meta.groups, meta.group_bits
        )));
    }
    if !(1..=meta.input_side).contains(&meta.step) {
        return Err(bad(format!(
            "step {}: a translation step is between 1 and the grid size {}",
            meta.step, meta.input_side
        )));
    }
    let shift = Shift::new(meta.translation, meta.step);
    for side in [meta.input_side, HIDDEN_SIDE] {
        shift.step_on(side).map_err(|e| bad(format!("step: {e}")))?;
    }
    Ok((bits, shift))
}

/// The parameters in tied.safetensors, whose orbit ids must be exactly `net`'s.
fn read_tied(dir: &Path, net: &Mlp, meta: &ModelJson) -> Result<Vec<f32>> {
    let bytes = read(dir, "tied.safetensors", TENSORS_CAP)?;
    let tied = tensors(&bytes, dir, "tied.safetensors")?;
    let mut params = vec![0.0f32; net.n_params()];
    for (k, l) in net.layers().iter().enumerate() {
        let name = format!("fc{}", k + 1);
        let (wr, br) = l.ranges();
        let get = |t: &str, d, s: &[usize]| {
            tensor(&tied, "tied.safetensors", &format!("{name}.{t}"), d, s)
        };
        match l.ids() {
            Some((wid, bid)) => {
                let ids = i32s(get("weight_ids", Dtype::I32, &[l.out, l.inp])?);
                let bids = i32s(get("bias_ids", Dtype::I32, &[l.out])?);
                let same = (0..l.inp)
                    .all(|i| (0..l.out).all(|j| ids[j * l.inp + i] == wid[i * l.out + j] as i32))
                    && bids.iter().zip(bid).all(|(&a, &b)| a == b as i32);
                if !same {
                    bail!(
                        "tied.safetensors: the orbit ids of {name} are not those of {} ({} translation, step {}): the file was altered or made for another network",
                        meta.groups,
                        meta.translation.show(),
                        meta.step
                    );
                }
                params[wr.clone()].copy_from_slice(&f32s(get("theta", Dtype::F32, &[wr.len()])?));
                params[br.clone()].copy_from_slice(&f32s(get("bias", Dtype::F32, &[br.len()])?));
            }
            None => {
                let w = f32s(get("weight", Dtype::F32, &[l.out, l.inp])?);
                let p = &mut params[wr];
                (0..l.inp)
                    .for_each(|i| (0..l.out).for_each(|j| p[i * l.out + j] = w[j * l.inp + i]));
                params[br].copy_from_slice(&f32s(get("bias", Dtype::F32, &[l.out])?));
            }
        }
    }
    Ok(params)
}

/// model.safetensors must be the expansion of the tied parameters, bit for bit.
fn check_dense(dir: &Path, net: &Mlp, params: &[f32]) -> Result<()> {
    let bytes = read(dir, "model.safetensors", TENSORS_CAP)?;
    let dense = tensors(&bytes, dir, "model.safetensors")?;
    for (k, l) in net.layers().iter().enumerate() {
        let name = format!("fc{}", k + 1);
        let (w, b) = l.full(params);
        let file = "model.safetensors";
        let dw = f32s(tensor(
            &dense,
            file,
            &format!("{name}.weight"),
            Dtype::F32,
            &[l.out, l.inp],
        )?);
        let db = f32s(tensor(
            &dense,
            file,
            &format!("{name}.bias"),
            Dtype::F32,
            &[l.out],
        )?);
        let same = (0..l.inp)
            .all(|i| (0..l.out).all(|j| dw[j * l.inp + i].to_bits() == w[i * l.out + j].to_bits()))
            && db
                .iter()
                .zip(b.iter())
                .all(|(x, y)| x.to_bits() == y.to_bits());
        if !same {
            bail!(
                "model.safetensors: {name} is not the expansion of tied.safetensors: the two files are not one network"
            );
        }
    }
    Ok(())
}

/// Reads the network in `dir` and checks it: model.json's format and shape, orbit ids
/// that are exactly those of its groups, and a model.safetensors that is the tied
/// parameters' expansion bit for bit.
pub fn load(dir: &Path) -> Result<Network> {
    let meta = read_meta(dir)?;
    let (groups, shift) = read_groups(dir, &meta)?;
    let shape = Shape {
        side: meta.input_side,
        channels: meta.channels,
        classes: meta.classes.len(),
    };
    let net = child_mlp(&ChildOrbits::for_shape(shape, groups, shift)?);
    if meta.params != net.n_params() {
        bail!(
            "{}: params {}, but a network of {} has {}",
            dir.join("model.json").display(),
            meta.params,
            meta.groups,
            net.n_params()
        );
    }
    let params = read_tied(dir, &net, &meta)?;
    if let Some(k) = params.iter().position(|v| !v.is_finite()) {
        bail!(
            "{}: parameter {k} is {}: a trained network's parameters are finite",
            dir.join("tied.safetensors").display(),
            params[k]
        );
    }
    check_dense(dir, &net, &params)?;
    Ok(Network {
        meta,
        net,
        params,
        shift,
    })
}

/// One group of the network on real images.
#[derive(Clone, Debug, serde::Serialize)]
pub struct GroupCheck {
    pub group: String,
    /// Accuracy on the transformed images.
    pub accuracy: f64,
    /// Share of images whose prediction the transform leaves unchanged. The last layer
    /// is dense (as in the paper), so the network is equivariant, not invariant: this
    /// need not be 100 %.
    pub unchanged: f64,
    /// max |h(g x) - g h(x)| / max |h(x)| over the images, h the second tied layer's
    /// output: equivariance on real inputs, zero up to float rounding.
    pub hidden_error: f32,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct NetEval {
    pub images: usize,
    /// Whether the images are the data set's test file; else the first images of its
    /// only file (the embedded pool), some of which the network may have trained on.
    pub from_test: bool,
    pub accuracy: f64,
    pub groups: Vec<GroupCheck>,
    /// Each image's label and predicted class, in order.
    #[serde(skip)]
    pub labels: Vec<u8>,
    #[serde(skip)]
    pub predictions: Vec<usize>,
}

/// `x` (whole images, each channel's plane in turn) with `p` applied to every plane.
fn permute_planes(x: &[f32], p: &Perm) -> Vec<f32> {
    let mut out = vec![0.0; x.len()];
    for (src, dst) in x.chunks(p.len()).zip(out.chunks_mut(p.len())) {
        p.apply(src, dst);
    }
    out
}

fn percent(n: usize, of: usize) -> f64 {
    100.0 * n as f64 / of.max(1) as f64
}

/// Evaluates `n` on the first `count` test images of `base` (its training images if it
/// has no test file) and on the same images under each of the network's groups.
pub fn evaluate(n: &Network, base: &BaseData, count: usize) -> Result<NetEval> {
    let set = base.test.as_ref().unwrap_or(&base.train);
    let m = &n.meta;
    let (side, c) = (m.input_side, m.channels);
    let im = &set.images;
    if (im.rows, im.cols, im.channels) != (side, side, c) {
        bail!(
            "the data's images are {}x{} with {} channel(s); this network reads {side}x{side} with {c} (pass --resize {side} if only the size differs)",
            im.rows,
            im.cols,
            im.channels
        );
    }
    if base.classes != m.classes {
        let show = |c: &[String]| -> String {
            let mut s = c.iter().take(12).cloned().collect::<Vec<_>>().join(", ");
            if c.len() > 12 {
                s += &format!(", ... ({} in all)", c.len());
            }
            s
        };
        bail!(
            "the data's classes ({}) are not the network's ({}): its predictions would be compared with labels of other classes",
            show(&base.classes),
            show(&m.classes)
        );
    }
    let count = count.min(set.len());
    let plane = side * side;
    let x: Vec<f32> = (0..count)
        .flat_map(|i| set.images.image(i).chunks(plane).enumerate())
        .flat_map(|(ch, px)| px.iter().map(move |&p| (ch, p)))
        .map(|(ch, p)| (p as f32 * m.pixel_scale - m.mean[ch]) / m.std[ch])
        .collect();
    let k = m.classes.len();
    let predict = |x: &[f32]| -> Vec<usize> {
        (n.net.predict(&n.params, x, count).chunks_exact(k))
            .map(argmax)
            .collect()
    };
    let right = |p: &[usize]| {
        (p.iter().zip(&set.labels))
            .filter(|(p, y)| **p == **y as usize)
            .count()
    };
    let preds = predict(&x);
    let tied = Mlp::new(n.net.layers()[..2].to_vec());
    let tied_params = &n.params[..n.net.layers()[1].ranges().1.end];
    let h = tied.predict(tied_params, &x, count);
    let scale = h.iter().fold(1e-12f32, |a, v| a.max(v.abs()));
    let groups = GroupSet::parse(&m.group_bits).map_err(Error::msg)?;
    let mut checks = Vec::new();
    for g in groups.iter() {
        let gi = g.generator(side, n.shift.step_on(side)?)?;
        let gh = g.generator(HIDDEN_SIDE, n.shift.step_on(HIDDEN_SIDE)?)?;
        let gx = permute_planes(&x, &gi);
        let pg = predict(&gx);
        let hg = tied.predict(tied_params, &gx, count);
        let expected = permute_planes(&h, &gh);
        let err = (hg.iter().zip(&expected)).fold(0.0f32, |a, (p, q)| a.max((p - q).abs()));
        checks.push(GroupCheck {
            group: g.name().to_string(),
            accuracy: percent(right(&pg), count),
            unchanged: percent(pg.iter().zip(&preds).filter(|(a, b)| a == b).count(), count),
            hidden_error: err / scale,
        });
    }
    Ok(NetEval {
        images: count,
        from_test: base.test.is_some(),
        accuracy: percent(right(&preds), count),
        groups: checks,
        labels: set.labels[..count].to_vec(),
        predictions: preds,
    })
}
