//! Octet's resize is ncnn's: the same pixels from `from_pixels_resize` (PyPI
//! ncnn) on a random image, for up- and down-scaling.

use std::process::Command;

#[test]
fn resize_bilinear_equals_ncnn() {
    let ok = Command::new("python3")
        .args(["-c", "import ncnn, numpy"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        assert!(
            std::env::var_os("OCTET_REQUIRE_REFERENCE").is_none(),
            "python ncnn missing and OCTET_REQUIRE_REFERENCE is set"
        );
        eprintln!(
            "SKIPPED resize_bilinear_equals_ncnn: the Python `ncnn` package is not installed"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (sw, sh, dw, dh) in [
        (53, 37, 29, 41),
        (227, 180, 227, 227),
        (640, 480, 320, 240),
        (7, 5, 100, 3),
    ] {
        let mut rng = octet::modelbin::SplitMix64::new((sw * 1000 + dw) as u64);
        let img: Vec<u8> = (0..sw * sh * 3)
            .map(|_| (rng.next_u64() >> 56) as u8)
            .collect();
        let raw = dir.path().join("img.raw");
        let out = dir.path().join("ref.npy");
        std::fs::write(&raw, &img).unwrap();
        let script = format!(
            "import ncnn, numpy as np\nimg = np.fromfile('{}', dtype=np.uint8).reshape({sh}, {sw}, 3)\nm = ncnn.Mat.from_pixels_resize(img, ncnn.Mat.PixelType.PIXEL_RGB, {sw}, {sh}, {dw}, {dh})\nnp.save('{}', np.array(m).astype(np.float32))\n",
            raw.display(),
            out.display()
        );
        let o = Command::new("python3")
            .args(["-c", &script])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let (shape, reference) = octet::npy::read(&out).unwrap();
        assert_eq!(shape, vec![3, dh, dw]);
        let ours = octet::pixels::resize_bilinear(&img, sw, sh, 3, dw, dh);
        for c in 0..3 {
            for i in 0..dw * dh {
                assert_eq!(
                    ours[i * 3 + c] as f32,
                    reference[c * dw * dh + i],
                    "{sw}x{sh}->{dw}x{dh} channel {c} pixel {i}"
                );
            }
        }
    }
}
