# The layers of src/ (docs/architecture.md: app → net → api → realtime → files, rooms →
# store, blobs, bus, auth → common). Each folder is the library parlor_<folder>, linked to
# the folders of the layer directly below it; a file may include its own folder and any
# folder below. CMakeLists.txt makes the links from this table, and check_layers.cmake
# fails the build on an include that is not below.
set(PARLOR_LAYERS common store blobs bus auth rooms files realtime api net app)
set(PARLOR_BELOW_common "")
set(PARLOR_BELOW_store common)
set(PARLOR_BELOW_blobs common)
set(PARLOR_BELOW_bus common)
set(PARLOR_BELOW_auth common)
set(PARLOR_BELOW_rooms store blobs bus auth)
set(PARLOR_BELOW_files store blobs bus auth)
set(PARLOR_BELOW_realtime files rooms)
set(PARLOR_BELOW_api realtime)
set(PARLOR_BELOW_net api)
set(PARLOR_BELOW_app net)
# Files and rooms are one level. files/ sees these declarations of rooms/ (who is asking,
# and the interface it tells of a new file through) and nothing else: no code of rooms/,
# so parlor_files does not link parlor_rooms.
set(PARLOR_ALSO_files rooms/caller.hpp rooms/room_events.hpp)

# parlor_layers_under(<folder> <variable>): every folder below <folder>.
function(parlor_layers_under folder variable)
  set(under)
  set(queue ${PARLOR_BELOW_${folder}})
  while(queue)
    list(POP_FRONT queue next)
    if(NOT next IN_LIST under)
      list(APPEND under ${next})
      list(APPEND queue ${PARLOR_BELOW_${next}})
    endif()
  endwhile()
  set(${variable} ${under} PARENT_SCOPE)
endfunction()
