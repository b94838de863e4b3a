/* pdqguard symbol visibility. The shared library is built with hidden
 * visibility by default; only names marked PDQGUARD_API are exported. */
#ifndef PDQGUARD_EXPORT_H
#define PDQGUARD_EXPORT_H

#if defined(PDQGUARD_STATIC)
#  define PDQGUARD_API
#elif defined(_WIN32)
#  ifdef PDQGUARD_BUILDING
#    define PDQGUARD_API __declspec(dllexport)
#  else
#    define PDQGUARD_API __declspec(dllimport)
#  endif
#else
#  define PDQGUARD_API __attribute__((visibility("default")))
#endif

#endif
