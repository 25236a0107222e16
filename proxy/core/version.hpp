#pragma once
#define SQLWARDEN_VERSION "0.1.0"
