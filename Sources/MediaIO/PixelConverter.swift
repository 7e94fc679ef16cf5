import CFFmpeg
import Graph

/// swscale conversions between native frames, float RGB and encoder formats.
///
/// YUV sources use their tagged matrix and range; untagged ones follow the common convention:
/// BT.601 below 720 lines, BT.709 from 720 up. RGB -> YUV writes limited range with the same
/// size rule and tags it, so tagged players agree and untagged containers (NUT, y4m) round-trip.
enum PixelConverter {
    /// swscale colourspace constant for a frame's matrix.
    static func matrix(_ cs: AVColorSpace, height: Int) -> Int32 {
        switch cs {
        case AVCOL_SPC_BT709: return SWS_CS_ITU709
        case AVCOL_SPC_BT470BG, AVCOL_SPC_SMPTE170M: return SWS_CS_ITU601
        case AVCOL_SPC_SMPTE240M: return SWS_CS_SMPTE240M
        case AVCOL_SPC_FCC: return SWS_CS_FCC
        case AVCOL_SPC_BT2020_NCL, AVCOL_SPC_BT2020_CL: return SWS_CS_BT2020
        default: return height >= 720 ? SWS_CS_ITU709 : SWS_CS_ITU601
        }
    }

    static func isFullRange(_ f: UnsafePointer<AVFrame>) -> Bool {
        if f.pointee.color_range == AVCOL_RANGE_JPEG { return true }
        // yuvj* formats are full range by definition.
        switch AVPixelFormat(rawValue: f.pointee.format) {
        case AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUVJ444P, AV_PIX_FMT_YUVJ440P, AV_PIX_FMT_YUVJ411P:
            return true
        default: return false
        }
    }

    /// Builds a scaler with explicit colour details on both sides.
    static func context(srcW: Int, srcH: Int, src: AVPixelFormat, srcMatrix: Int32, srcFull: Bool,
                        dstW: Int, dstH: Int, dst: AVPixelFormat, dstMatrix: Int32, dstFull: Bool) throws -> OpaquePointer {
        // Exact conversions (no dithering surprises) and accurate rounding.
        let flags = SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT | SWS_FULL_CHR_H_INP | SWS_BITEXACT
        guard let ctx = sws_getContext(Int32(srcW), Int32(srcH), src, Int32(dstW), Int32(dstH), dst, flags, nil, nil, nil) else {
            throw GIDError.codec("cannot convert \(pixelFormatName(src)) \(srcW)x\(srcH) to \(pixelFormatName(dst)) \(dstW)x\(dstH)")
        }
        // swscale may route RGB -> RGB (planar float to packed, say) through YUV and applies both
        // matrices: with different ones the colours shift, so RGB-to-RGB uses one matrix.
        let sameSpace = isRGBOrGray(src) && isRGBOrGray(dst)
        let inv = sws_getCoefficients(srcMatrix)
        let tbl = sws_getCoefficients(sameSpace ? srcMatrix : dstMatrix)
        sws_setColorspaceDetails(ctx, inv, srcFull ? 1 : 0, tbl, dstFull ? 1 : 0, 0, 1 << 16, 1 << 16)
        return ctx
    }

    /// Native frame -> planar float RGB (+ alpha when the source has it).
    static func toRGB(_ box: AVFrameBox) throws -> RGBImage {
        if isGray(box.format) { return try grayToRGB(box) }
        let f = box.frame
        let w = box.width, h = box.height
        let alpha = box.hasAlpha
        let dstFmt = alpha ? AV_PIX_FMT_GBRAPF32LE : AV_PIX_FMT_GBRPF32LE
        if box.format == dstFmt { return planarCopy(box, alpha: alpha) }
        let ctx = try context(srcW: w, srcH: h, src: box.format, srcMatrix: matrix(f.pointee.colorspace, height: h),
                              srcFull: isFullRange(f), dstW: w, dstH: h, dst: dstFmt, dstMatrix: SWS_CS_ITU709, dstFull: true)
        defer { sws_freeContext(ctx) }
        var rgb = [Float](repeating: 0, count: 3 * w * h)
        var a = alpha ? [Float](repeating: 1, count: w * h) : []
        let plane = w * h
        let stride = Int32(w * MemoryLayout<Float>.size)
        rgb.withUnsafeMutableBufferPointer { rgbBuf in
            a.withUnsafeMutableBufferPointer { aBuf in
                let base = UnsafeMutableRawPointer(rgbBuf.baseAddress!).assumingMemoryBound(to: UInt8.self)
                // GBRP plane order is G, B, R; our buffer is R, G, B.
                var dst: [UnsafeMutablePointer<UInt8>?] = [
                    base + plane * 4, base + 2 * plane * 4, base,
                    alpha ? UnsafeMutableRawPointer(aBuf.baseAddress!).assumingMemoryBound(to: UInt8.self) : nil,
                ]
                var strides: [Int32] = [stride, stride, stride, alpha ? stride : 0]
                _ = sws_scale(ctx, gid_frame_cdata_ptr(f), gid_frame_linesize_ptr(f), 0, Int32(h), &dst, &strides)
            }
        }
        return RGBImage(width: w, height: h, data: rgb, alpha: alpha ? a : nil)
    }

    /// swscale 5.1 turns grey into planar float badly (blocky, lost contrast; the ffmpeg CLI shows
    /// it too), so grey goes through 16-bit packed RGB and is expanded here.
    static func grayToRGB(_ box: AVFrameBox) throws -> RGBImage {
        let alpha = box.hasAlpha
        let packed = try convert(box, format: alpha ? AV_PIX_FMT_RGBA64LE : AV_PIX_FMT_RGB48LE, width: box.width, height: box.height)
        let w = box.width, h = box.height, plane = w * h, channels = alpha ? 4 : 3
        var rgb = [Float](repeating: 0, count: 3 * plane)
        var a = alpha ? [Float](repeating: 1, count: plane) : []
        let line = Int(gid_frame_linesize(packed.frame, 0))
        let base = gid_frame_data(packed.frame, 0)!
        for y in 0..<h {
            let row = UnsafeRawPointer(base + y * line).assumingMemoryBound(to: UInt16.self)
            for x in 0..<w {
                let i = y * w + x
                for c in 0..<3 { rgb[c * plane + i] = Float(UInt16(littleEndian: row[x * channels + c])) / 65535 }
                if alpha { a[i] = Float(UInt16(littleEndian: row[x * channels + 3])) / 65535 }
            }
        }
        return RGBImage(width: w, height: h, data: rgb, alpha: alpha ? a : nil)
    }

    static func isGray(_ f: AVPixelFormat) -> Bool {
        guard let d = av_pix_fmt_desc_get(f) else { return false }
        return d.pointee.nb_components <= 2 && d.pointee.flags & UInt64(AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL) == 0
    }

    /// Float RGB -> a native frame in `format` at `width` x `height` (scaling if they differ).
    static func fromRGB(_ img: RGBImage, format: AVPixelFormat, width: Int, height: Int) throws -> AVFrameBox {
        let alpha = img.alpha != nil
        let srcFmt = alpha ? AV_PIX_FMT_GBRAPF32LE : AV_PIX_FMT_GBRPF32LE
        if format == srcFmt && width == img.width && height == img.height { return try planarCopy(img, format: format) }
        let out = try AVFrameBox(width: width, height: height, format: format)
        tagOutput(out.frame, format: format)
        let ctx = try context(srcW: img.width, srcH: img.height, src: srcFmt, srcMatrix: SWS_CS_ITU709, srcFull: true,
                              dstW: width, dstH: height, dst: format, dstMatrix: outputMatrix(height: height), dstFull: isRGBOrGray(format))
        defer { sws_freeContext(ctx) }
        let plane = img.width * img.height
        let stride = Int32(img.width * MemoryLayout<Float>.size)
        img.data.withUnsafeBufferPointer { rgbBuf in
            (img.alpha ?? []).withUnsafeBufferPointer { aBuf in
                let base = UnsafeRawPointer(rgbBuf.baseAddress!).assumingMemoryBound(to: UInt8.self)
                let src: [UnsafePointer<UInt8>?] = [
                    base + plane * 4, base + 2 * plane * 4, base,
                    alpha ? UnsafeRawPointer(aBuf.baseAddress!).assumingMemoryBound(to: UInt8.self) : nil,
                ]
                let strides: [Int32] = [stride, stride, stride, alpha ? stride : 0]
                _ = sws_scale(ctx, src, strides, 0, Int32(img.height), gid_frame_data_ptr(out.frame), gid_frame_linesize_ptr(out.frame))
            }
        }
        return out
    }

    /// Float RGB -> planar float libav frame of the same size, by copying rows. Here swscale
    /// 5.1's unscaled gbrpf32le -> gbrpf32le path copied only a quarter of each row, which showed
    /// as a picture cropped to its left quarter after `lavfi` on rendered frames.
    static func planarCopy(_ img: RGBImage, format: AVPixelFormat) throws -> AVFrameBox {
        let out = try AVFrameBox(width: img.width, height: img.height, format: format)
        let w = img.width, h = img.height, n = w * h
        // GBRP plane order is G, B, R (then A); our planes are R, G, B.
        var planes: [(src: [Float], offset: Int)] = [(img.data, n), (img.data, 2 * n), (img.data, 0)]
        if let a = img.alpha { planes.append((a, 0)) }
        for (i, plane) in planes.enumerated() {
            let line = Int(gid_frame_linesize(out.frame, Int32(i)))
            guard let base = gid_frame_data(out.frame, Int32(i)) else { throw GIDError.internal("frame without plane \(i)") }
            plane.src.withUnsafeBufferPointer { src in
                for y in 0..<h {
                    UnsafeMutableRawPointer(base + y * line).copyMemory(from: src.baseAddress! + plane.offset + y * w,
                                                                      byteCount: w * MemoryLayout<Float>.size)
                }
            }
        }
        return out
    }

    /// Planar float libav frame -> float RGB by copying rows (see `planarCopy(_:format:)`).
    static func planarCopy(_ box: AVFrameBox, alpha: Bool) -> RGBImage {
        let w = box.width, h = box.height, n = w * h
        var rgb = [Float](repeating: 0, count: 3 * n)
        var a = alpha ? [Float](repeating: 1, count: n) : []
        func copy(plane i: Int32, into dst: UnsafeMutableBufferPointer<Float>, at offset: Int) {
            let line = Int(gid_frame_linesize(box.frame, i))
            guard let base = gid_frame_data(box.frame, i) else { return }
            for y in 0..<h {
                (dst.baseAddress! + offset + y * w).update(from: UnsafeRawPointer(base + y * line).assumingMemoryBound(to: Float.self),
                                                           count: w)
            }
        }
        rgb.withUnsafeMutableBufferPointer { d in
            copy(plane: 0, into: d, at: n)       // G
            copy(plane: 1, into: d, at: 2 * n)   // B
            copy(plane: 2, into: d, at: 0)       // R
        }
        if alpha { a.withUnsafeMutableBufferPointer { copy(plane: 3, into: $0, at: 0) } }
        return RGBImage(width: w, height: h, data: rgb, alpha: alpha ? a : nil)
    }

    /// Native frame -> another native format/size, straight through swscale (no float detour).
    static func convert(_ box: AVFrameBox, format: AVPixelFormat, width: Int, height: Int) throws -> AVFrameBox {
        let f = box.frame
        let out = try AVFrameBox(width: width, height: height, format: format)
        tagOutput(out.frame, format: format)
        let ctx = try context(srcW: box.width, srcH: box.height, src: box.format,
                              srcMatrix: matrix(f.pointee.colorspace, height: box.height), srcFull: isFullRange(f),
                              dstW: width, dstH: height, dst: format, dstMatrix: outputMatrix(height: height), dstFull: isRGBOrGray(format))
        defer { sws_freeContext(ctx) }
        _ = sws_scale(ctx, gid_frame_cdata_ptr(f), gid_frame_linesize_ptr(f), 0, Int32(box.height),
                      gid_frame_data_ptr(out.frame), gid_frame_linesize_ptr(out.frame))
        return out
    }

    static func isRGBOrGray(_ f: AVPixelFormat) -> Bool {
        guard let d = av_pix_fmt_desc_get(f) else { return false }
        return d.pointee.flags & UInt64(AV_PIX_FMT_FLAG_RGB) != 0 || d.pointee.nb_components <= 2
    }

    /// The matrix gid-filter writes YUV with: BT.601 below 720 lines, BT.709 from 720 up.
    static func outputMatrix(height: Int) -> Int32 { height >= 720 ? SWS_CS_ITU709 : SWS_CS_ITU601 }

    /// Tags for `outputMatrix` (colourspace, primaries, transfer), limited range.
    static func outputTags(height: Int) -> (AVColorSpace, AVColorPrimaries, AVColorTransferCharacteristic) {
        height >= 720 ? (AVCOL_SPC_BT709, AVCOL_PRI_BT709, AVCOL_TRC_BT709)
                      : (AVCOL_SPC_SMPTE170M, AVCOL_PRI_SMPTE170M, AVCOL_TRC_SMPTE170M)
    }

    static func tagOutput(_ f: UnsafeMutablePointer<AVFrame>, format: AVPixelFormat) {
        guard !isRGBOrGray(format) else { return }
        (f.pointee.colorspace, f.pointee.color_primaries, f.pointee.color_trc) = outputTags(height: Int(f.pointee.height))
        f.pointee.color_range = AVCOL_RANGE_MPEG
    }
}
