// Everything the pipeline reads, one header per concern: the work item
// (work_item.hpp), directory walking and paths on stdin (walk.hpp), raw frame
// streams (raw_frames.hpp) and hash lines (hash_lines.hpp).
#pragma once

#include "hash_lines.hpp"
#include "raw_frames.hpp"
#include "walk.hpp"
#include "work_item.hpp"
