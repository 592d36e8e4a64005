# cmake -DSOURCE_DIR=<server/src> [-DSTAMP=<file>] -P check_layers.cmake
# Fails, naming each file and include, when a file of src/ includes a folder that is not
# its own nor below it in layers.cmake (or sits in a folder the table does not know).
# The build runs it before compiling a library (target parlor_layer_check), ctest too.
cmake_minimum_required(VERSION 3.25)  # a script has no project: the policies of the build
include(${CMAKE_CURRENT_LIST_DIR}/layers.cmake)

file(GLOB_RECURSE sources RELATIVE ${SOURCE_DIR} ${SOURCE_DIR}/*.hpp ${SOURCE_DIR}/*.cpp)
list(SORT sources)
set(failures)
foreach(source IN LISTS sources)
  string(REGEX MATCH "^[^/]+" folder "${source}")
  if(NOT folder IN_LIST PARLOR_LAYERS)
    list(APPEND failures "src/${source}: src/${folder}/ is not in the layer table (cmake/layers.cmake)")
    continue()
  endif()
  parlor_layers_under(${folder} allowed)
  file(STRINGS ${SOURCE_DIR}/${source} includes REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<][^\">]+/")
  foreach(line IN LISTS includes)
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*[\"<]([^\">]+)[\">].*" "\\1" header "${line}")
    if(header MATCHES "(^|/)\\.\\./")
      list(APPEND failures "src/${source}: #include \"${header}\": name it from src/, without ..")
      continue()
    endif()
    string(REGEX MATCH "^[^/]+" included "${header}")
    if(NOT included IN_LIST PARLOR_LAYERS OR included STREQUAL folder OR included IN_LIST allowed
       OR header IN_LIST PARLOR_ALSO_${folder})
      continue()  # a library's header (boost/...), the file's own layer, or one below
    endif()
    string(REPLACE ";" ", " below "${allowed}")
    list(APPEND failures
         "src/${source}: #include \"${header}\" points up or across: ${folder}/ may include ${below}")
  endforeach()
endforeach()

if(failures)
  list(JOIN failures "\n  " report)
  message(FATAL_ERROR "Includes against the layers (server/cmake/layers.cmake):\n  ${report}")
endif()
if(STAMP)
  file(TOUCH ${STAMP})
endif()
