// X11 and its extensions, with cairo for drawing the overlay: one module, because cairo-xlib.h
// itself includes Xlib.h (libx11-dev libxext-dev libxfixes-dev libxrandr-dev libxtst-dev
// libxi-dev libcairo2-dev).
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/Xatom.h>
#include <X11/keysym.h>
#include <X11/XKBlib.h>
#include <X11/extensions/shape.h>
#include <X11/extensions/Xfixes.h>
#include <X11/extensions/Xrandr.h>
#include <X11/extensions/XTest.h>
#include <X11/extensions/XInput2.h>
#include <cairo.h>
#include <cairo-xlib.h>
