#pragma once
// What Swift cannot import from libav (function-like macros, compound literals, variadics).
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersrc.h>
#include <libavfilter/buffersink.h>
#include <libswscale/swscale.h>
#include <libavutil/avutil.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libavutil/display.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
#include <libavutil/dict.h>
#include <errno.h>

static inline int gid_averror(int e) { return AVERROR(e); }
static inline int gid_averror_eof(void) { return AVERROR_EOF; }
static inline int gid_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int gid_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int gid_averror_exit(void) { return AVERROR_EXIT; }
static inline int64_t gid_nopts(void) { return AV_NOPTS_VALUE; }
static inline AVRational gid_time_base_q(void) { return AV_TIME_BASE_Q; }
static inline int gid_pix_fmt_gbrpf32(void) { return AV_PIX_FMT_GBRPF32; }
static inline int gid_pix_fmt_gbrapf32(void) { return AV_PIX_FMT_GBRAPF32; }

static inline void gid_strerror(int err, char *buf, size_t size) { av_strerror(err, buf, size); }

static inline uint8_t *gid_frame_data(const AVFrame *f, int i) { return f->data[i]; }
static inline int gid_frame_linesize(const AVFrame *f, int i) { return f->linesize[i]; }
static inline uint8_t **gid_frame_data_ptr(AVFrame *f) { return f->data; }
static inline int *gid_frame_linesize_ptr(AVFrame *f) { return f->linesize; }
static inline const uint8_t * const *gid_frame_cdata_ptr(const AVFrame *f) { return (const uint8_t * const *)f->data; }

/* Display-matrix rotation of a stream (degrees, counter-clockwise as ffmpeg reports), or 0. */
static inline double gid_stream_rotation(const AVStream *st) {
    size_t size = 0;
    const uint8_t *m = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &size);
    if (!m || size < 9 * sizeof(int32_t)) return 0;
    return av_display_rotation_get((const int32_t *)m);
}
static inline double gid_frame_rotation(const AVFrame *f) {
    AVFrameSideData *sd = av_frame_get_side_data(f, AV_FRAME_DATA_DISPLAYMATRIX);
    if (!sd || sd->size < 9 * sizeof(int32_t)) return 0;
    return av_display_rotation_get((const int32_t *)sd->data);
}

/* Silence or route libav's own logging (variadic av_log cannot be called from Swift). */
static inline void gid_set_log_level(int level) { av_log_set_level(level); }

/* Channel layout copy without the deprecated fields. */
static inline int gid_copy_ch_layout(AVCodecParameters *dst, const AVCodecParameters *src) {
    return av_channel_layout_copy(&dst->ch_layout, &src->ch_layout);
}
