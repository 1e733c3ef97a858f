// ALSA (libasound2-dev) for the microphone and speaker. With libasound2-plugins installed, the
// "default" device goes to PulseAudio/PipeWire while one runs.
#include <alsa/asoundlib.h>

// alsa-lib prints several lines to stderr when there is no sound card. Its error handler is a
// C-variadic function pointer, which Swift cannot write, so a no-op one lives here.
static void clicky_alsa_quiet(const char *file, int line, const char *function, int err, const char *fmt, ...) {
    (void)file; (void)line; (void)function; (void)err; (void)fmt;
}
static inline void clicky_alsa_silence_errors(void) { snd_lib_error_set_handler(clicky_alsa_quiet); }
