// Asio and Beast compiled once, here (BOOST_*_SEPARATE_COMPILATION), not in every file.
#include "common/asio.hpp"

#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
