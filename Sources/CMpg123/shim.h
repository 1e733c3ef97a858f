// libmpg123 (libmpg123-dev): decodes the MP3 a Clicky worker's /tts route returns (ElevenLabs'
// audio/mpeg, which the worker does not let us change to PCM).
#include <sys/types.h>
#include <mpg123.h>
