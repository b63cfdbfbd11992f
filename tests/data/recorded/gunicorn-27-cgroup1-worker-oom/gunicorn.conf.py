# source: recorded with this folder's dmesg: the gunicorn.conf.py the server was started with (-c)
# note: written for the recording; four sync workers
# Gunicorn configuration of the hog app.
bind = "127.0.0.1:18123"
workers = 4
worker_class = "sync"
timeout = 30
