<?php
// The PHP client against a live xio server: prints one JSON document of results.
require $argv[1];
$api = new XioClient($argv[2]);
$out = [
    'get' => $api->get('echo/a/b', ['q' => '1']),
    'post' => $api->post('echo', ['n' => 1]),
    'put' => $api->put('echo', ['n' => 2]),
    'patch' => $api->patch('echo', 'words'),
    'delete' => $api->delete('echo'),
    'custom' => $api->request('ping', 'echo', ['a' => 1]),
    'about' => $api->about(''),
    'hello' => $api->get('hello'),
    'missing' => $api->get('missing'),
    'head' => $api->head('hello'),
];
echo json_encode($out);
