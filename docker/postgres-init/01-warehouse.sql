-- Warehouse database for deptstats; runs once, when the postgres volume is first initialised.
create database deptstats;
