<?php
// go() runs at once until the coroutine waits; ids, parents, defer, context.
echo "start\n";
$cid = go(function ($a) {
    echo "in co ", Co::getCid(), " arg=$a pcid=", Co::getPcid(), "\n";
    Co::defer(function () { echo "defer 1 of ", Co::getCid(), "\n"; });
    Co::defer(function () { echo "defer 2 of ", Co::getCid(), "\n"; });
    Co::getContext()['k'] = 'v';
    Co::sleep(0.05);
    echo "after sleep ", Co::getCid(), " ctx=", Co::getContext()['k'], "\n";
    go(function () {
        echo "child ", Co::getCid(), " of ", Co::getPcid(), "\n";
        Co::sleep(0.01);
        echo "child done\n";
    });
    echo "parent continues\n";
}, 42);
echo "go returned $cid, outside cid=", Co::getCid(), " exists=", json_encode(Co::exists($cid)), "\n";
Co\run(function () use ($cid) {
    echo "run cid=", Co::getCid(), " exists($cid)=", json_encode(Co::exists($cid)), "\n";
    $co = go(function () { Co::yield(); echo "resumed by hand\n"; });
    echo "yielded\n";
    var_dump(Co::resume($co));
    var_dump(Co::getContext() instanceof ArrayObject, Co::stats()['coroutine_num'] >= 1);
});
echo "end ", Co::stats()['coroutine_num'], "\n";
